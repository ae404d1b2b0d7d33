/**
 * From a raw RFC 822 message to hashed word ids: the subject and the text of the body
 * (MIME parts walked, base64 and quoted-printable decoded, HTML tags dropped, non-text
 * attachments skipped), lower-cased and cut into words, each word hashed with 32-bit
 * FNV-1a into one of BUCKETS buckets. Header fields other than Subject are not used:
 * the corpus's Received/From lines name its collection mailboxes, which would make
 * the task about where a message was filed rather than what it says.
 */

/** Number of hash buckets (2^14); a word's bucket is fnv1a32(word) mod BUCKETS. */
export const BUCKETS = 1 << 14;
/** Words kept per message (the first ones, subject first); bounds a bag's cost. */
export const MAX_WORDS = 512;

/**
 * FNV-1a, 32 bit, over the UTF-16 code units of `s` (offset basis 2166136261,
 * prime 16777619). Words here are ASCII, so this equals FNV-1a over their bytes.
 */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A word: a letter or digit run, with inner apostrophes ("don't") and $ kept. */
const WORD = /[a-z0-9$][a-z0-9$']*[a-z0-9$]|[a-z0-9$]/g;

/** Lower-cased words of a text, in order. */
export function words(text: string): string[] {
  return text.toLowerCase().match(WORD) ?? [];
}

interface Part {
  readonly headers: string;
  readonly body: string;
}

/** Splits header block and body at the first blank line. */
function splitMessage(raw: string): Part {
  const text = raw.replace(/\r\n/g, '\n');
  const cut = text.indexOf('\n\n');
  return cut < 0 ? { headers: text, body: '' } : { headers: text.slice(0, cut), body: text.slice(cut + 2) };
}

/** The value of a header field (continuation lines unfolded), or ''. */
export function headerField(headers: string, name: string): string {
  const unfolded = headers.replace(/\n[ \t]+/g, ' ');
  const match = new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(unfolded);
  return match?.[1] ?? '';
}

function decodeQuotedPrintable(s: string): string {
  return s.replace(/=\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

function decodeBase64(s: string): string {
  return Buffer.from(s.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64').toString('latin1');
}

/** Drops HTML tags, comments and style/script blocks; decodes the commonest entities. */
function stripHtml(s: string): string {
  return s
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/gi, ' ')
    .replace(/&amp;/gi, '&')
    .replace(/&#?[a-z0-9]+;/gi, ' ');
}

/** The readable text of a MIME entity: text parts decoded, multiparts walked. */
function bodyText(part: Part, depth = 0): string {
  const type = headerField(part.headers, 'Content-Type').toLowerCase();
  const boundary = /boundary="?([^";]+)"?/i.exec(headerField(part.headers, 'Content-Type'))?.[1];
  if (type.startsWith('multipart/') && boundary !== undefined && depth < 5) {
    const pieces = part.body.split(`--${boundary}`).slice(1);
    return pieces
      .filter((p) => !p.startsWith('--'))
      .map((p) => bodyText(splitMessage(p.replace(/^[ \t]*\n/, '')), depth + 1))
      .join('\n');
  }
  if (type !== '' && !type.startsWith('text/')) return '';
  const encoding = headerField(part.headers, 'Content-Transfer-Encoding').toLowerCase().trim();
  let text = part.body;
  if (encoding === 'base64') text = decodeBase64(text);
  else if (encoding === 'quoted-printable') text = decodeQuotedPrintable(text);
  return type.startsWith('text/html') || /<html|<body|<table|<font|<br>/i.test(text) ? stripHtml(text) : text;
}

/** Subject and body words of a raw message, at most MAX_WORDS of them. */
export function messageWords(raw: string): string[] {
  const message = splitMessage(raw);
  const subject = headerField(message.headers, 'Subject');
  return [...words(subject), ...words(bodyText(message))].slice(0, MAX_WORDS);
}

/** Bucket ids of a message's words, in word order. */
export function messageBuckets(raw: string): Int32Array {
  return Int32Array.from(messageWords(raw), (w) => fnv1a32(w) % BUCKETS);
}
