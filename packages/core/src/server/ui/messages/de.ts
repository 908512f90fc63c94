import type { Messages } from './en.js';

/** The German strings of the built-in pages (same keys and placeholders as `en`). */
export const de: Messages = {
  'language.name': 'Deutsch',
  'client.unnamed': 'Eine Anwendung ohne Namen',
  'client.unverifiedName': 'Name von der Anwendung selbst angegeben, nicht überprüft.',
  'client.publishedAt': 'Veröffentlicht unter',
  'client.identityDocument': 'Identitätsdokument: {url}',
  'client.selfRegistered':
    'Diese Anwendung hat sich selbst registriert. Fahren Sie nur fort, wenn Sie diese Anmeldung gestartet haben.',
  'client.returnsTo': 'leitet Sie zurück zu',
  'client.warnLoopback':
    'Sie leitet zu einem Programm auf diesem Computer zurück ({target}). Jedes Programm auf diesem Computer kann dort empfangen, daher beweisen Name und Adresse oben nicht, mit welcher Anwendung Sie es zu tun haben. Fahren Sie nur fort, wenn Sie diese Anmeldung gerade in der Anwendung gestartet haben, die Sie verbinden wollten.',
  'client.warnApp':
    'Sie leitet zu einer App auf diesem Gerät zurück ({target}), für die sich jede App ausgeben kann. Fahren Sie nur fort, wenn Sie diese Anmeldung gerade in der Anwendung gestartet haben, die Sie verbinden wollten.',
  'login.title': 'Anmelden',
  'login.heading': 'Bei {service} anmelden',
  'login.intro': 'Eine Anwendung möchte auf Ihr Konto bei {service} zugreifen.',
  'login.username': 'Benutzername',
  'login.password': 'Passwort',
  'login.submit': 'Anmelden',
  'login.failed': 'Benutzername oder Passwort ist falsch.',
  'consent.title': 'Zugriff erlauben',
  'consent.heading': 'Zugriff auf {service} erlauben?',
  'consent.signedInAs': 'Angemeldet als {user}',
  'consent.scopesLegend': 'Sie bittet um:',
  'consent.untickHint': 'Entfernen Sie das Häkchen bei allem, was Sie nicht erlauben möchten.',
  'consent.noScopes': 'Sie bittet um keine Berechtigungen, außer zu wissen, wer Sie sind.',
  'consent.unavailable': 'Für Ihr Konto nicht verfügbar: {scopes}',
  'consent.upstreamNext':
    'Nachdem Sie den Zugriff erlaubt haben, melden Sie sich bei Ihrem Identitätsanbieter an.',
  'consent.deny': 'Ablehnen',
  'consent.allow': 'Erlauben',
  'consent.footer':
    'Zugriffstoken sind kurzlebig (höchstens eine Stunde); die Anwendung behält den Zugriff nur, solange sie sie erneuern kann, und eine Abmeldung oder der Widerruf ihrer Token beendet ihn.',
  'error.closeWindow': 'Sie können dieses Fenster schließen und in der Anwendung neu beginnen.',
  'error.code': 'Fehlercode: {code}',
  'error.generic.title': 'Fehler',
  'error.generic.message': 'Die Anfrage kann nicht abgeschlossen werden.',
  'error.missing_client.title': 'Unbekannte Anwendung',
  'error.missing_client.message':
    'Die Anfrage gibt nicht an, welche Anwendung sie stellt (client_id fehlt).',
  'error.unknown_client.title': 'Unbekannte Anwendung',
  'error.unknown_client.message':
    'Die Anwendung, die Zugriff verlangt, ist bei diesem Server nicht registriert.',
  'error.client_document.title': 'Anwendung konnte nicht überprüft werden',
  'error.client_document.message':
    'Die Anwendung weist sich mit einem Metadatendokument aus, das nicht geladen werden konnte oder ungültig ist.',
  'error.invalid_redirect_uri.title': 'Ungültige Rücksprungadresse',
  'error.invalid_redirect_uri.message':
    'Die Adresse, zu der die Anwendung zurückkehren möchte, hat sie nicht registriert; Sie werden daher nicht dorthin weitergeleitet.',
  'error.csrf.title': 'Formular abgelaufen oder nicht erlaubt',
  'error.csrf.message':
    'Dieses Formular wurde nicht aus dieser Browsersitzung gesendet. Starten Sie die Anmeldung in der Anwendung neu.',
  'error.expired.title': 'Anmeldung abgelaufen',
  'error.expired.message':
    'Diese Anmeldung ist abgelaufen oder wurde bereits abgeschlossen. Beginnen Sie in der Anwendung neu.',
  'error.invalid_interaction.title': 'Unerwarteter Schritt',
  'error.invalid_interaction.message':
    'Dieser Schritt der Anmeldung wird jetzt nicht erwartet. Beginnen Sie in der Anwendung neu.',
  'error.too_many_attempts.title': 'Zu viele Versuche',
  'error.too_many_attempts.message':
    'Zu viele fehlgeschlagene Anmeldeversuche. Beginnen Sie in der Anwendung neu.',
  'error.too_many_interactions.title': 'Zu viele Anmeldungen',
  'error.too_many_interactions.message':
    'Von hier oder von dieser Anwendung wurden zu viele Anmeldungen gestartet. Warten Sie einige Minuten und beginnen Sie dann in der Anwendung neu.',
  'error.invalid_state.title': 'Anmeldung konnte nicht abgeschlossen werden',
  'error.invalid_state.message':
    'Der Identitätsanbieter hat mit einer unbekannten, abgelaufenen oder bereits verwendeten Anmeldung geantwortet. Beginnen Sie in der Anwendung neu.',
  'error.server_error.title': 'Etwas ist schiefgelaufen',
  'error.server_error.message': 'Der Server konnte diese Anfrage nicht abschließen.',
  'error.temporarily_unavailable.title': 'Vorübergehend nicht verfügbar',
  'error.temporarily_unavailable.message':
    'Der Dienst kann gerade keine Anmeldungen abschließen. Es wurde nichts ausgestellt; versuchen Sie es gleich noch einmal.',
  'error.too_many_requests.title': 'Zu viele Versuche',
  'error.too_many_requests.message':
    'Zu viele Anmeldeversuche für dieses Konto oder von dieser Adresse. Warten Sie einen Moment und versuchen Sie es dann erneut.',
  'error.request_too_large.title': 'Anfrage zu groß',
  'error.request_too_large.message': 'Die Anfrage war größer als erlaubt.',
  'error.invalid_request.title': 'Ungültige Anfrage',
  'error.invalid_request.message':
    'Die Anfrage ist fehlerhaft: Ein Parameter fehlt, ist wiederholt oder ungültig.',
  'consent.manageGrants': 'Erteilte Zugriffe verwalten',
  'grants.title': 'Ihre erteilten Zugriffe',
  'grants.intro': 'Anwendungen, denen Sie den Zugriff auf {service} in Ihrem Namen erlaubt haben.',
  'grants.signedInAs': 'Angemeldet als {user}',
  'grants.none': 'Sie haben keiner Anwendung Zugriff auf Ihr Konto erlaubt.',
  'grants.scopes': 'Zugriff: {scopes}',
  'grants.noScopes': 'nur Ihre Identität',
  'grants.created': 'Erlaubt am {date}',
  'grants.lastUsed': 'Zuletzt verwendet am {date}',
  'grants.neverUsed': 'Noch nicht verwendet',
  'grants.revoke': 'Widerrufen',
  'grants.revokeAll': 'Alle widerrufen',
  'grants.signOut': 'Abmelden',
  'grants.revoked': 'Zugriff widerrufen: Die Anwendung kann ihn nicht mehr verwenden.',
  'grants.revokedAll': 'Alle Zugriffe widerrufen.',
  'grants.notFound': 'Dieser Zugriff wurde bereits widerrufen oder ist abgelaufen.',
  'grants.signedOut.title': 'Nicht angemeldet',
  'grants.signedOut.message':
    'Melden Sie sich über eine Anwendung an, die sich mit {service} verbindet, um Ihre hier erteilten Zugriffe zu sehen und zu widerrufen. Sie sind jetzt abgemeldet.',
  'links.privacy': 'Datenschutz',
  'links.terms': 'Nutzungsbedingungen',
  'links.support': 'Hilfe',
};
