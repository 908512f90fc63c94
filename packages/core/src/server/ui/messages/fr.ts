import type { Messages } from './en.js';

/** The French strings of the built-in pages (same keys and placeholders as `en`). */
export const fr: Messages = {
  'language.name': 'Français',
  'client.unnamed': 'Une application sans nom',
  'client.unverifiedName': 'Nom donné par l’application elle-même, non vérifié.',
  'client.publishedAt': 'Publiée sur',
  'client.identityDocument': 'Document d’identité : {url}',
  'client.selfRegistered':
    'Cette application s’est enregistrée elle-même. Ne continuez que si vous avez lancé cette connexion.',
  'client.returnsTo': 'vous renverra vers',
  'client.warnLoopback':
    'Elle renvoie vers un programme de cet ordinateur ({target}). N’importe quel programme de cet ordinateur peut y écouter : le nom et l’adresse ci-dessus ne prouvent donc pas à quelle application vous avez affaire. Ne continuez que si vous venez de lancer cette connexion depuis l’application que vous vouliez connecter.',
  'client.warnApp':
    'Elle renvoie vers une application de cet appareil ({target}), que n’importe quelle application peut prétendre être. Ne continuez que si vous venez de lancer cette connexion depuis l’application que vous vouliez connecter.',
  'login.title': 'Connexion',
  'login.heading': 'Se connecter à {service}',
  'login.intro': 'Une application souhaite accéder à votre compte sur {service}.',
  'login.username': 'Nom d’utilisateur',
  'login.password': 'Mot de passe',
  'login.submit': 'Se connecter',
  'login.failed': 'Le nom d’utilisateur ou le mot de passe est incorrect.',
  'consent.title': 'Autoriser l’accès',
  'consent.heading': 'Autoriser l’accès à {service} ?',
  'consent.signedInAs': 'Connecté en tant que {user}',
  'consent.scopesLegend': 'Elle demande à :',
  'consent.untickHint': 'Décochez ce que vous ne voulez pas autoriser.',
  'consent.noScopes': 'Elle ne demande aucune permission au-delà de savoir qui vous êtes.',
  'consent.unavailable': 'Non disponible pour votre compte : {scopes}',
  'consent.upstreamNext':
    'Après avoir autorisé l’accès, vous vous connecterez auprès de votre fournisseur d’identité.',
  'consent.deny': 'Refuser',
  'consent.allow': 'Autoriser',
  'consent.footer':
    'Les jetons d’accès ont une courte durée de vie (une heure au plus) ; l’application ne garde l’accès que tant qu’elle peut les renouveler, et s’en déconnecter ou révoquer ses jetons y met fin.',
  'error.closeWindow': 'Vous pouvez fermer cette fenêtre et recommencer depuis l’application.',
  'error.code': 'Code d’erreur : {code}',
  'error.generic.title': 'Erreur',
  'error.generic.message': 'La requête ne peut pas aboutir.',
  'error.missing_client.title': 'Application inconnue',
  'error.missing_client.message':
    'La requête n’indique pas quelle application la fait (client_id manquant).',
  'error.unknown_client.title': 'Application inconnue',
  'error.unknown_client.message':
    'L’application qui demande l’accès n’est pas enregistrée auprès de ce serveur.',
  'error.client_document.title': 'L’application n’a pas pu être vérifiée',
  'error.client_document.message':
    'L’application s’identifie par un document de métadonnées qui n’a pas pu être chargé ou qui est invalide.',
  'error.invalid_redirect_uri.title': 'Adresse de retour invalide',
  'error.invalid_redirect_uri.message':
    'L’adresse de retour demandée par l’application n’est pas l’une de celles qu’elle a enregistrées : vous n’y êtes donc pas renvoyé.',
  'error.csrf.title': 'Formulaire expiré ou non autorisé',
  'error.csrf.message':
    'Ce formulaire n’a pas été envoyé depuis cette session du navigateur. Recommencez la connexion depuis l’application.',
  'error.expired.title': 'Connexion expirée',
  'error.expired.message':
    'Cette connexion a expiré ou est déjà terminée. Recommencez depuis l’application.',
  'error.invalid_interaction.title': 'Étape inattendue',
  'error.invalid_interaction.message':
    'Cette étape de la connexion n’est pas attendue maintenant. Recommencez depuis l’application.',
  'error.too_many_attempts.title': 'Trop de tentatives',
  'error.too_many_attempts.message':
    'Trop de tentatives de connexion incorrectes. Recommencez depuis l’application.',
  'error.too_many_interactions.title': 'Trop de connexions',
  'error.too_many_interactions.message':
    'Trop de connexions ont été lancées d’ici ou par cette application. Patientez quelques minutes, puis recommencez depuis l’application.',
  'error.invalid_state.title': 'La connexion n’a pas pu aboutir',
  'error.invalid_state.message':
    'Le fournisseur d’identité a répondu avec une connexion inconnue, expirée ou déjà utilisée. Recommencez depuis l’application.',
  'error.server_error.title': 'Une erreur est survenue',
  'error.server_error.message': 'Le serveur n’a pas pu traiter cette requête.',
  'error.temporarily_unavailable.title': 'Temporairement indisponible',
  'error.temporarily_unavailable.message':
    'Le service ne peut pas effectuer de connexion pour le moment. Rien n’a été émis ; réessayez dans un instant.',
  'error.too_many_requests.title': 'Trop de tentatives',
  'error.too_many_requests.message':
    'Trop de tentatives de connexion pour ce compte ou depuis cette adresse. Patientez un moment, puis réessayez.',
  'error.request_too_large.title': 'Requête trop volumineuse',
  'error.request_too_large.message': 'La requête dépasse la taille autorisée.',
  'error.invalid_request.title': 'Requête invalide',
  'error.invalid_request.message':
    'La requête est mal formée : un paramètre manque, est répété ou est invalide.',
  'consent.manageGrants': 'Gérer vos autorisations',
  'grants.title': 'Vos autorisations',
  'grants.intro': 'Les applications que vous avez autorisées à accéder à {service} pour vous.',
  'grants.signedInAs': 'Connecté en tant que {user}',
  'grants.none': 'Vous n’avez autorisé aucune application à accéder à votre compte.',
  'grants.scopes': 'Accès : {scopes}',
  'grants.noScopes': 'votre identité seulement',
  'grants.created': 'Autorisée le {date}',
  'grants.lastUsed': 'Utilisée pour la dernière fois le {date}',
  'grants.neverUsed': 'Pas encore utilisée',
  'grants.revoke': 'Révoquer',
  'grants.revokeAll': 'Tout révoquer',
  'grants.signOut': 'Se déconnecter',
  'grants.revoked': 'Accès révoqué : l’application ne peut plus l’utiliser.',
  'grants.revokedAll': 'Tous les accès ont été révoqués.',
  'grants.notFound': 'Cette autorisation a déjà été révoquée ou a expiré.',
  'grants.signedOut.title': 'Non connecté',
  'grants.signedOut.message':
    'Connectez-vous depuis une application qui se connecte à {service} pour voir et révoquer ce que vous avez autorisé ici. Vous êtes maintenant déconnecté.',
  'links.privacy': 'Confidentialité',
  'links.terms': 'Conditions',
  'links.support': 'Aide',
};
