/**
 * `@mcp-auth/core/audit-file` (Node.js only): the audit trail as a JSON-lines file, appended
 * one line per event, continuing the hash chain of an existing file after a restart.
 * @packageDocumentation
 */
export {
  createFileAuditSink,
  type FileAuditSink,
  type FileAuditSinkOptions,
} from './node/audit-file-sink.js';
