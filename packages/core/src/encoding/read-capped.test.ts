import { describe, expect, it } from 'vitest';
import { readCapped } from './read-capped.js';

function streamOf(chunks: number[], onCancel?: () => void): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(new Uint8Array(chunks[i++]!).fill(7));
      else controller.close();
    },
    cancel() {
      onCancel?.();
    },
  });
}

describe('readCapped', () => {
  it('reads a body within the cap whole, across chunks', async () => {
    const { bytes, overflow } = await readCapped(streamOf([3, 4, 5]), 12);
    expect(overflow).toBe(false);
    expect(bytes.length).toBe(12);
  });

  it('stops at the cap, cancels the stream and says so', async () => {
    let cancelled = false;
    const { bytes, overflow } = await readCapped(
      streamOf([8, 8, 8, 8], () => {
        cancelled = true;
      }),
      10,
    );
    expect(overflow).toBe(true);
    expect(bytes.length).toBe(10);
    expect(cancelled).toBe(true);
  });

  it('refuses a declared Content-Length over the cap without reading', async () => {
    let cancelled = false;
    const result = await readCapped(
      streamOf([1], () => {
        cancelled = true;
      }),
      10,
      '11',
    );
    expect(result).toEqual({ bytes: new Uint8Array(0), overflow: true });
    expect(cancelled).toBe(true);
  });

  it('reads nothing from a missing body', async () => {
    expect(await readCapped(null, 10)).toEqual({ bytes: new Uint8Array(0), overflow: false });
  });
});
