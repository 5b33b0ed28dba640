/**
 * BES XML for Tasks, written in the element order BES.xsd requires (`Fixlet` is an
 * xs:sequence, so order matters and content out of order is rejected on import; see
 * ../shared/reference/bigfix.md §1). Only what the generated content needs is modelled.
 */

/** One `<Task>`: the fields of BES.xsd's `Fixlet` type we use, then one DefaultAction. */
export interface BesTask {
  /** 1..255 characters, no line breaks (ObjectName is an xs:normalizedString). */
  title: string;
  /** HTML shown in the console; may hold an input form and a script (secure parameters). */
  descriptionHtml: string;
  /** Every clause must be true for the Task to be relevant. */
  relevance: string[];
  category: string;
  source: string;
  sourceId: string;
  /** YYYY-MM-DD (NonNegativeDate). */
  sourceReleaseDate: string;
  mimeFields: { name: string; value: string }[];
  /** Exactly four Basic-Latin characters, e.g. BESC. */
  domain: string;
  action: {
    id: string;
    linkText: { pre: string; link: string; post: string };
    script: string;
    /** BigFix ActionScript on every OS (BES.xsd's default). */
    mimeType: string;
  };
}

/**
 * Escapes text for XML element content (`&`, `<`, `>`; quotes stay readable, which keeps
 * the embedded scripts legible in an editor). Characters XML 1.0 cannot hold at all are
 * refused rather than dropped, so nothing changes silently.
 */
export function xmlEscape(text: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/.test(text)) {
    throw new Error('text holds a character XML cannot represent');
  }
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escapes text for a double-quoted attribute value. */
export function xmlAttr(text: string): string {
  return xmlEscape(text).replace(/"/g, '&quot;');
}

function el(name: string, text: string, attrs: Record<string, string> = {}): string {
  const a = Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${xmlAttr(v)}"`)
    .join('');
  return `<${name}${a}>${xmlEscape(text)}</${name}>`;
}

function checkTask(t: BesTask): void {
  if (t.title.length < 1 || t.title.length > 255 || /[\r\n\t]/.test(t.title)) throw new Error(`title must be 1..255 characters on one line: ${t.title}`);
  if (t.relevance.length === 0) throw new Error('a Task needs at least one Relevance');
  if (!/^[\x20-\x7E]{4}$/.test(t.domain)) throw new Error('domain must be four Basic-Latin characters');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(t.sourceReleaseDate)) throw new Error('sourceReleaseDate must be YYYY-MM-DD');
  if (t.action.id.trim() === '') throw new Error('an action needs an ID');
}

/** The whole `.bes` document for one Task. */
export function renderBesTask(t: BesTask): string {
  checkTask(t);
  const i = (n: number) => '\t'.repeat(n);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<BES xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="BES.xsd">',
    `${i(1)}<Task>`,
    `${i(2)}${el('Title', t.title)}`,
    `${i(2)}${el('Description', t.descriptionHtml)}`,
    ...t.relevance.map((r) => `${i(2)}${el('Relevance', r)}`),
    `${i(2)}${el('Category', t.category)}`,
    `${i(2)}${el('Source', t.source)}`,
    `${i(2)}${el('SourceID', t.sourceId)}`,
    `${i(2)}${el('SourceReleaseDate', t.sourceReleaseDate)}`,
    ...t.mimeFields.flatMap((f) => [`${i(2)}<MIMEField>`, `${i(3)}${el('Name', f.name)}`, `${i(3)}${el('Value', f.value)}`, `${i(2)}</MIMEField>`]),
    `${i(2)}${el('Domain', t.domain)}`,
    `${i(2)}<DefaultAction ID="${xmlAttr(t.action.id)}">`,
    `${i(3)}<Description>`,
    `${i(4)}${el('PreLink', t.action.linkText.pre)}`,
    `${i(4)}${el('Link', t.action.linkText.link)}`,
    `${i(4)}${el('PostLink', t.action.linkText.post)}`,
    `${i(3)}</Description>`,
    `${i(3)}${el('ActionScript', t.action.script, { MIMEType: t.action.mimeType })}`,
    // Explicit, though it is a Task's default: the action counts as done when the script
    // ran to its end, and `continue if {exit code of action = 0}` stops it before that.
    `${i(3)}${el('SuccessCriteria', '', { Option: 'RunToCompletion' })}`,
    `${i(2)}</DefaultAction>`,
    `${i(1)}</Task>`,
    '</BES>',
    '',
  ];
  return lines.join('\n');
}
