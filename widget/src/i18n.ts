/** Every string the visitor reads, French and English (the browser's language: fr*, else en). */

const en = {
  open: "Open the chat",
  close: "Close the chat",
  closeShort: "Close",
  dialog: "Chat with {name}",
  tagline: "Replies in a few minutes",
  helloTitle: "Hello 👋",
  helloText: "Ask us anything: an adviser answers you right here.",
  adviser: "Your adviser",
  placeholder: "Write a message…",
  placeholderNew: "Start a new conversation…",
  send: "Send",
  messages: "Messages",
  reconnecting: "Reconnecting…",
  offline: "You are offline: your messages will be sent when the connection is back.",
  sending: "Sending…",
  queued: "Waiting for the connection",
  failed: "Not sent",
  retry: "Retry",
  edit: "Edit",
  you: "You",
  closed: "Conversation closed",
  unread: "{n} unread message(s)",
  emailTitle: "Leave your e-mail to get the answer",
  name: "Your name (optional)",
  email: "E-mail address",
  emailInvalid: "Please enter a valid e-mail address.",
  emailThanks: "Thank you! We will send the answer to {email}.",
  notNow: "Not now",
  surveyTitle: "How was this conversation?",
  score: "{n} out of {max}",
  comment: "A comment? (optional)",
  required: "required",
  answerMissing: "Please answer this question.",
  answerOne: "Please answer at least one question.",
  yes: "Yes",
  no: "No",
  surveyThanks: "Thank you for your feedback!",
  waitTitle: "While you wait…",
  answer: "Your answer",
  waitThanks: "Thank you, your adviser will read your answers.",
  fileAsked: "{agent} asks you for a file",
  managerJoined: "{agent} joined the conversation",
  managerLeft: "{agent} left the conversation",
  choose: "Choose a file",
  uploading: "Sending {name}…",
  tooBig: "This file is too large: {max} at most.",
  badType: "This type of file is not accepted. Accepted: {types}.",
  uploadFailed: "The file could not be sent: {message}",
  download: "Download",
  offer: "See the offer",
  error: "Something went wrong. Please try again.",
  units: "B KB MB GB",
  cbAsk: "{agent} would like to see this page with you",
  cbHint: "What you type in forms stays hidden. You can stop at any time.",
  cbHintSome: "Passwords and card numbers stay hidden. You can stop at any time.",
  cbShare: "Share this page",
  cbNo: "No thanks",
  cbGuide: "{agent} would like to guide you: open pages of this site and point at things",
  cbAllow: "Allow",
  cbSees: "{agent} sees this page",
  cbStop: "Stop",
  cbStopLabel: "Stop sharing this page",
  cbStopped: "Sharing stopped",
  cbTooLarge: "This page is too large to share",
};

export type Strings = typeof en;
export type Key = keyof Strings;

const fr: Strings = {
  open: "Ouvrir la discussion",
  close: "Fermer la discussion",
  closeShort: "Fermer",
  dialog: "Discussion avec {name}",
  tagline: "Répond en quelques minutes",
  helloTitle: "Bonjour 👋",
  helloText: "Posez-nous vos questions : un conseiller vous répond ici.",
  adviser: "Votre conseiller",
  placeholder: "Écrivez votre message…",
  placeholderNew: "Nouvelle discussion…",
  send: "Envoyer",
  messages: "Messages",
  reconnecting: "Reconnexion…",
  offline: "Vous êtes hors ligne : vos messages partiront au retour de la connexion.",
  sending: "Envoi…",
  queued: "En attente de connexion",
  failed: "Non envoyé",
  retry: "Réessayer",
  edit: "Modifier",
  you: "Vous",
  closed: "Discussion terminée",
  unread: "{n} message(s) non lu(s)",
  emailTitle: "Laissez votre e-mail pour recevoir la réponse",
  name: "Votre nom (facultatif)",
  email: "Adresse e-mail",
  emailInvalid: "Saisissez une adresse e-mail valide.",
  emailThanks: "Merci ! Nous enverrons la réponse à {email}.",
  notNow: "Plus tard",
  surveyTitle: "Comment s'est passée cette discussion ?",
  score: "{n} sur {max}",
  comment: "Un commentaire ? (facultatif)",
  required: "obligatoire",
  answerMissing: "Merci de répondre à cette question.",
  answerOne: "Merci de répondre à au moins une question.",
  yes: "Oui",
  no: "Non",
  surveyThanks: "Merci pour votre avis !",
  waitTitle: "En attendant…",
  answer: "Votre réponse",
  waitThanks: "Merci, votre conseiller lira vos réponses.",
  fileAsked: "{agent} vous demande un fichier",
  managerJoined: "{agent} a rejoint la conversation",
  managerLeft: "{agent} a quitté la conversation",
  choose: "Choisir un fichier",
  uploading: "Envoi de {name}…",
  tooBig: "Ce fichier est trop volumineux : {max} au plus.",
  badType: "Ce type de fichier n'est pas accepté. Acceptés : {types}.",
  uploadFailed: "Le fichier n'a pas pu être envoyé : {message}",
  download: "Télécharger",
  offer: "Voir l'offre",
  error: "Une erreur est survenue. Merci de réessayer.",
  units: "o Ko Mo Go",
  cbAsk: "{agent} souhaite voir cette page avec vous",
  cbHint: "Ce que vous saisissez dans les formulaires reste masqué. Vous pouvez arrêter à tout moment.",
  cbHintSome: "Les mots de passe et numéros de carte restent masqués. Vous pouvez arrêter à tout moment.",
  cbShare: "Partager cette page",
  cbNo: "Non merci",
  cbGuide: "{agent} souhaite vous guider : ouvrir des pages de ce site et vous montrer des éléments",
  cbAllow: "Autoriser",
  cbSees: "{agent} voit cette page",
  cbStop: "Arrêter",
  cbStopLabel: "Arrêter le partage de cette page",
  cbStopped: "Partage arrêté",
  cbTooLarge: "Cette page est trop volumineuse pour être partagée",
};

export type Lang = "fr" | "en";

/** `fr` for any French locale, `en` otherwise (also for odd values such as "C"). */
export function pickLang(language: string | null | undefined): Lang {
  return /^fr\b/i.test((language ?? "").trim()) ? "fr" : "en";
}

export type T = (key: Key, vars?: Record<string, string | number>) => string;

export function translator(lang: Lang): T {
  const table = lang === "fr" ? fr : en;
  return (key, vars) =>
    table[key].replace(/\{(\w+)\}/g, (all, name: string) =>
      vars && name in vars ? String(vars[name]) : all,
    );
}

/** `1536` → `1.5 KB` (`1,5 Ko` in French). */
export function formatBytes(bytes: number, lang: Lang): string {
  const units = translator(lang)("units").split(" ");
  let n = Math.max(0, bytes);
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  const text = i === 0 ? String(Math.round(n)) : n.toFixed(n < 10 ? 1 : 0);
  return `${lang === "fr" ? text.replace(".", ",") : text} ${units[i]}`;
}
