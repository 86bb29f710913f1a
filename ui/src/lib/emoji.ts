/**
 * The composer's emoji palette (D12): a short, curated set of what agents actually send, with
 * names for screen readers in both languages. No picker library: 40 glyphs are enough, and the
 * colour emoji font is the system's.
 */
export type Emoji = { char: string; en: string; fr: string };

export const EMOJI: readonly Emoji[] = [
  { char: "😊", en: "smiling face", fr: "visage souriant" },
  { char: "🙂", en: "slightly smiling face", fr: "léger sourire" },
  { char: "😀", en: "grinning face", fr: "visage rieur" },
  { char: "😉", en: "winking face", fr: "clin d'œil" },
  { char: "😅", en: "grinning face with sweat", fr: "sourire gêné" },
  { char: "😂", en: "tears of joy", fr: "larmes de joie" },
  { char: "🤔", en: "thinking face", fr: "visage pensif" },
  { char: "😮", en: "surprised face", fr: "visage surpris" },
  { char: "😕", en: "confused face", fr: "visage confus" },
  { char: "😢", en: "crying face", fr: "visage qui pleure" },
  { char: "🙏", en: "thank you", fr: "merci" },
  { char: "👍", en: "thumbs up", fr: "pouce levé" },
  { char: "👎", en: "thumbs down", fr: "pouce baissé" },
  { char: "👌", en: "OK hand", fr: "OK" },
  { char: "👋", en: "waving hand", fr: "main qui salue" },
  { char: "👏", en: "clapping hands", fr: "applaudissements" },
  { char: "🙌", en: "raising hands", fr: "mains levées" },
  { char: "🤝", en: "handshake", fr: "poignée de main" },
  { char: "❤️", en: "red heart", fr: "cœur rouge" },
  { char: "✨", en: "sparkles", fr: "étincelles" },
  { char: "🎉", en: "party popper", fr: "cotillons" },
  { char: "🎁", en: "gift", fr: "cadeau" },
  { char: "⭐", en: "star", fr: "étoile" },
  { char: "🔥", en: "fire", fr: "feu" },
  { char: "✅", en: "check mark", fr: "coche" },
  { char: "❌", en: "cross mark", fr: "croix" },
  { char: "⚠️", en: "warning", fr: "attention" },
  { char: "❓", en: "question mark", fr: "point d'interrogation" },
  { char: "💡", en: "light bulb", fr: "ampoule" },
  { char: "📦", en: "package", fr: "colis" },
  { char: "🚚", en: "delivery truck", fr: "camion de livraison" },
  { char: "🛒", en: "shopping cart", fr: "panier" },
  { char: "💳", en: "credit card", fr: "carte bancaire" },
  { char: "🧾", en: "receipt", fr: "reçu" },
  { char: "📧", en: "e-mail", fr: "e-mail" },
  { char: "📞", en: "telephone", fr: "téléphone" },
  { char: "📅", en: "calendar", fr: "calendrier" },
  { char: "⏰", en: "alarm clock", fr: "réveil" },
  { char: "🔧", en: "wrench", fr: "clé à molette" },
  { char: "🔒", en: "lock", fr: "cadenas" },
];

/** Columns of the palette's grid: the arrow keys move by one, or by a row. */
export const EMOJI_COLUMNS = 8;

/** Where an arrow key (or Home/End) moves in the grid; `null` for any other key. */
export function moveInGrid(at: number, key: string, count = EMOJI.length, columns = EMOJI_COLUMNS): number | null {
  switch (key) {
    case "ArrowRight":
      return (at + 1) % count;
    case "ArrowLeft":
      return (at - 1 + count) % count;
    case "ArrowDown":
      return at + columns < count ? at + columns : at % columns;
    case "ArrowUp": {
      if (at - columns >= 0) return at - columns;
      const lastRowStart = Math.floor((count - 1) / columns) * columns;
      return Math.min(lastRowStart + (at % columns), count - 1);
    }
    case "Home":
      return 0;
    case "End":
      return count - 1;
    default:
      return null;
  }
}
