/**
 * A positional view of an HCL1 (or JSON) document that js-hcl-parser has already accepted.
 *
 * Why this exists: js-hcl-parser is the real HCL1 parser (the Go hashicorp/hcl v1 compiled to
 * JavaScript) and it decides whether a policy is syntactically valid, with the same error texts
 * Vault gives. But it only hands back a JSON rendering of the decoded document, and that rendering
 * loses two things Vault's policy parser relies on: source lines (Vault reports
 * `invalid key "x" on line N` using the AST position of the `=`) and the item structure that
 * Vault's decoder walks (a `path` item's labels versus its body, repeated keys, JSON flattening).
 * So after js-hcl-parser has accepted the text, this module re-reads the token stream into the
 * same AST shape hashicorp/hcl builds (ObjectList / ObjectItem / ObjectType / ListType /
 * LiteralType), with positions. It is deliberately lenient: input it sees is already valid.
 */

export interface Pos {
  line: number;
  column: number;
}

export type LiteralKind = 'STRING' | 'HEREDOC' | 'NUMBER' | 'FLOAT' | 'BOOL' | 'NULL';

export interface LiteralNode {
  type: 'literal';
  kind: LiteralKind;
  /** Source text of the token (quotes included for strings). */
  text: string;
  /** Decoded value: unquoted string, number, boolean or null. */
  value: string | number | boolean | null;
  pos: Pos;
}

export interface ListNode {
  type: 'list';
  items: AstNode[];
  pos: Pos;
}

export interface ObjectNode {
  type: 'object';
  items: ObjectItem[];
  pos: Pos;
}

export type AstNode = LiteralNode | ListNode | ObjectNode;

export interface ObjectKey {
  value: string;
  pos: Pos;
}

export interface ObjectItem {
  keys: ObjectKey[];
  /** Line of the `=` (HCL) or `:` (JSON); 0 for an HCL block (`path "x" { }`), as in Go's AST. */
  assignLine: number;
  val: AstNode;
}

/** Go's ast node type names, used in Vault's decode error texts. */
export function goNodeType(node: AstNode): string {
  switch (node.type) {
    case 'literal':
      return '*ast.LiteralType';
    case 'list':
      return '*ast.ListType';
    case 'object':
      return '*ast.ObjectType';
  }
}

type TokType =
  | 'IDENT'
  | 'STRING'
  | 'HEREDOC'
  | 'NUMBER'
  | 'FLOAT'
  | 'BOOL'
  | 'NULL'
  | 'LBRACE'
  | 'RBRACE'
  | 'LBRACK'
  | 'RBRACK'
  | 'ASSIGN'
  | 'COLON'
  | 'COMMA'
  | 'EOF';

interface Token {
  type: TokType;
  text: string;
  pos: Pos;
}

/** hashicorp/hcl's lexMode: the document is JSON when its first non-space character is `{`. */
export function isJsonDocument(text: string): boolean {
  const trimmed = text.replace(/^\s+/u, '');
  return trimmed.startsWith('{');
}

function isLetter(ch: string): boolean {
  return /[\p{L}_]/u.test(ch);
}

function isDigit(ch: string): boolean {
  return ch >= '0' && ch <= '9';
}

class Scanner {
  private i = 0;
  private line = 1;
  private col = 1;

  constructor(private readonly src: string) {}

  private peek(offset = 0): string {
    return this.src[this.i + offset] ?? '';
  }

  private advance(): string {
    const ch = this.src[this.i++] ?? '';
    if (ch === '\n') {
      this.line++;
      this.col = 1;
    } else {
      this.col++;
    }
    return ch;
  }

  private skipSpaceAndComments(): void {
    for (;;) {
      const ch = this.peek();
      if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\uFEFF') {
        this.advance();
      } else if (ch === '#' || (ch === '/' && this.peek(1) === '/')) {
        while (this.i < this.src.length && this.peek() !== '\n') this.advance();
      } else if (ch === '/' && this.peek(1) === '*') {
        this.advance();
        this.advance();
        while (this.i < this.src.length && !(this.peek() === '*' && this.peek(1) === '/')) this.advance();
        this.advance();
        this.advance();
      } else {
        return;
      }
    }
  }

  next(): Token {
    this.skipSpaceAndComments();
    const pos = { line: this.line, column: this.col };
    const start = this.i;
    const ch = this.peek();
    if (ch === '') return { type: 'EOF', text: '', pos };
    const single: Record<string, TokType> = {
      '{': 'LBRACE',
      '}': 'RBRACE',
      '[': 'LBRACK',
      ']': 'RBRACK',
      '=': 'ASSIGN',
      ':': 'COLON',
      ',': 'COMMA',
    };
    const singleType = single[ch];
    if (singleType) {
      this.advance();
      return { type: singleType, text: ch, pos };
    }
    if (ch === '"') {
      this.scanString();
      return { type: 'STRING', text: this.src.slice(start, this.i), pos };
    }
    if (ch === '<' && this.peek(1) === '<') {
      this.scanHeredoc();
      return { type: 'HEREDOC', text: this.src.slice(start, this.i), pos };
    }
    if (isDigit(ch) || ((ch === '-' || ch === '+') && isDigit(this.peek(1)))) {
      let isFloat = false;
      this.advance();
      while (/[0-9a-fA-FxX.eE+-]/.test(this.peek())) {
        const c = this.peek();
        if (c === '.' || ((c === 'e' || c === 'E') && !/^-?0[xX]/.test(this.src.slice(start, this.i)))) isFloat = true;
        if ((c === '+' || c === '-') && !/[eE]$/.test(this.src.slice(start, this.i))) break;
        this.advance();
      }
      return { type: isFloat ? 'FLOAT' : 'NUMBER', text: this.src.slice(start, this.i), pos };
    }
    if (isLetter(ch)) {
      while (isLetter(this.peek()) || isDigit(this.peek()) || this.peek() === '-' || this.peek() === '.') this.advance();
      const text = this.src.slice(start, this.i);
      if (text === 'true' || text === 'false') return { type: 'BOOL', text, pos };
      if (text === 'null') return { type: 'NULL', text, pos };
      return { type: 'IDENT', text, pos };
    }
    // Unreachable for input js-hcl-parser accepted; skip the character rather than loop forever.
    this.advance();
    return this.next();
  }

  private scanString(): void {
    this.advance(); // opening quote
    let braces = 0;
    while (this.i < this.src.length) {
      const ch = this.advance();
      if (ch === '\\') {
        this.advance();
      } else if (ch === '$' && this.peek() === '{') {
        braces++;
        this.advance();
      } else if (ch === '}' && braces > 0) {
        braces--;
      } else if (ch === '"' && braces === 0) {
        return;
      }
    }
  }

  private scanHeredoc(): void {
    this.advance();
    this.advance();
    if (this.peek() === '-') this.advance();
    let anchor = '';
    while (this.i < this.src.length && this.peek() !== '\n' && this.peek() !== '\r') anchor += this.advance();
    anchor = anchor.trim();
    while (this.i < this.src.length) {
      // consume the rest of the current line, then test the next one against the anchor
      while (this.i < this.src.length && this.peek() !== '\n') this.advance();
      if (this.i >= this.src.length) return;
      this.advance();
      const lineEnd = this.src.indexOf('\n', this.i);
      const lineText = this.src.slice(this.i, lineEnd === -1 ? this.src.length : lineEnd).replace(/\r$/, '');
      if (lineText.trim() === anchor) {
        while (this.i < this.src.length && this.peek() !== '\n') this.advance();
        return;
      }
    }
  }
}

/** Decode an HCL/JSON double-quoted string token (escapes as in Go's strconv.Unquote). */
export function unquote(text: string): string {
  const body = text.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const esc = body[++i];
    switch (esc) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case 'a':
        out += '\x07';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'v':
        out += '\v';
        break;
      case 'x':
        out += String.fromCharCode(parseInt(body.slice(i + 1, i + 3), 16));
        i += 2;
        break;
      case 'u':
        out += String.fromCodePoint(parseInt(body.slice(i + 1, i + 5), 16));
        i += 4;
        break;
      case 'U':
        out += String.fromCodePoint(parseInt(body.slice(i + 1, i + 9), 16));
        i += 8;
        break;
      default:
        out += esc ?? '';
    }
  }
  return out;
}

function heredocValue(text: string): string {
  const firstNl = text.indexOf('\n');
  const header = text.slice(2, firstNl).trim();
  const indented = header.startsWith('-');
  const lines = text.slice(firstNl + 1).split('\n');
  lines.pop(); // the anchor line
  let body = lines.map((l) => l.replace(/\r$/, ''));
  if (indented) {
    const indents = body.filter((l) => l.trim() !== '').map((l) => /^[ \t]*/.exec(l)?.[0].length ?? 0);
    const min = indents.length ? Math.min(...indents) : 0;
    body = body.map((l) => l.slice(min));
  }
  return body.join('\n') + '\n';
}

function literal(tok: Token): LiteralNode {
  switch (tok.type) {
    case 'STRING':
      return { type: 'literal', kind: 'STRING', text: tok.text, value: unquote(tok.text), pos: tok.pos };
    case 'HEREDOC':
      return { type: 'literal', kind: 'HEREDOC', text: tok.text, value: heredocValue(tok.text), pos: tok.pos };
    case 'NUMBER':
      return { type: 'literal', kind: 'NUMBER', text: tok.text, value: Number(tok.text), pos: tok.pos };
    case 'FLOAT':
      return { type: 'literal', kind: 'FLOAT', text: tok.text, value: Number(tok.text), pos: tok.pos };
    case 'BOOL':
      return { type: 'literal', kind: 'BOOL', text: tok.text, value: tok.text === 'true', pos: tok.pos };
    default:
      return { type: 'literal', kind: 'NULL', text: tok.text, value: null, pos: tok.pos };
  }
}

class Reader {
  private tok: Token;
  private readonly sc: Scanner;

  constructor(src: string) {
    this.sc = new Scanner(src);
    this.tok = this.sc.next();
  }

  /** The current token's type (a method, so TypeScript does not narrow it across take()). */
  private cur(): TokType {
    return this.tok.type;
  }

  private take(): Token {
    const t = this.tok;
    this.tok = this.sc.next();
    return t;
  }

  /** HCL: items until EOF or `}`. */
  hclObjectList(): ObjectItem[] {
    const items: ObjectItem[] = [];
    for (;;) {
      while (this.cur() === 'COMMA') this.take();
      if (this.cur() === 'EOF' || this.cur() === 'RBRACE') return items;
      const keys: ObjectKey[] = [];
      while (this.cur() === 'IDENT' || this.cur() === 'STRING') {
        const k = this.take();
        keys.push({ value: k.type === 'STRING' ? unquote(k.text) : k.text, pos: k.pos });
      }
      if (this.cur() === 'ASSIGN') {
        const assign = this.take();
        // `key =` at the very end: hashicorp/hcl drops the item without an error.
        if (this.cur() === 'EOF' || this.cur() === 'RBRACE') return items;
        items.push({ keys, assignLine: assign.pos.line, val: this.hclValue() });
      } else if (this.cur() === 'LBRACE') {
        items.push({ keys, assignLine: 0, val: this.hclObject() });
      } else {
        // Not valid HCL; js-hcl-parser would have rejected it. Stop rather than loop.
        this.take();
        if (this.cur() === 'EOF') return items;
      }
    }
  }

  private hclObject(): ObjectNode {
    const lbrace = this.take();
    const items = this.hclObjectList();
    if (this.cur() === 'RBRACE') this.take();
    return { type: 'object', items, pos: lbrace.pos };
  }

  private hclValue(): AstNode {
    if (this.cur() === 'LBRACE') return this.hclObject();
    if (this.cur() === 'LBRACK') {
      const lbrack = this.take();
      const items: AstNode[] = [];
      while (this.cur() !== 'RBRACK' && this.cur() !== 'EOF') {
        if (this.cur() === 'COMMA') {
          this.take();
          continue;
        }
        items.push(this.hclValue());
      }
      this.take();
      return { type: 'list', items, pos: lbrack.pos };
    }
    return literal(this.take());
  }

  /** JSON: the root object's items, flattened as hashicorp/hcl's JSON parser does. */
  jsonRoot(): ObjectItem[] {
    const root = this.jsonValue();
    if (root.type !== 'object') return [];
    flattenObjects(root.items);
    return root.items;
  }

  private jsonValue(): AstNode {
    if (this.cur() === 'LBRACE') {
      const lbrace = this.take();
      const items: ObjectItem[] = [];
      while (this.cur() !== 'RBRACE' && this.cur() !== 'EOF') {
        if (this.cur() === 'COMMA') {
          this.take();
          continue;
        }
        const k = this.take();
        const colon = this.take();
        // `"key": }`: hashicorp/hcl's JSON parser ends the object there and drops the item.
        if (this.cur() === 'RBRACE' || this.cur() === 'EOF') break;
        items.push({
          keys: [{ value: k.type === 'STRING' ? unquote(k.text) : k.text, pos: k.pos }],
          assignLine: colon.pos.line,
          val: this.jsonValue(),
        });
      }
      this.take();
      return { type: 'object', items, pos: lbrace.pos };
    }
    if (this.cur() === 'LBRACK') {
      const lbrack = this.take();
      const items: AstNode[] = [];
      while (this.cur() !== 'RBRACK' && this.cur() !== 'EOF') {
        if (this.cur() === 'COMMA') {
          this.take();
          continue;
        }
        items.push(this.jsonValue());
      }
      this.take();
      return { type: 'list', items, pos: lbrack.pos };
    }
    return literal(this.take());
  }
}

/**
 * hashicorp/hcl json/parser/flatten.go: an item whose value is an object made only of objects
 * (or a list made only of objects) is split into items with the inner keys appended, so
 * `{"path": {"a": {...}}}` becomes the item `path "a" {...}`. Applied to every object list.
 */
function flattenObjects(list: ObjectItem[]): void {
  const out: ObjectItem[] = [];
  const frontier = [...list];
  while (frontier.length > 0) {
    const item = frontier.pop() as ObjectItem;
    const v = item.val;
    if (v.type === 'object' && v.items.length > 0 && v.items.every((s) => s.val.type === 'object')) {
      for (const sub of v.items) {
        frontier.push({ keys: [...item.keys, ...sub.keys], assignLine: item.assignLine, val: sub.val });
      }
    } else if (v.type === 'list' && v.items.length > 0 && v.items.every((e) => e.type === 'object')) {
      for (const elem of v.items) frontier.push({ keys: item.keys, assignLine: item.assignLine, val: elem });
    } else {
      out.push(item);
    }
  }
  out.reverse();
  list.splice(0, list.length, ...out);
  for (const item of list) walk(item.val);
}

function walk(node: AstNode): void {
  if (node.type === 'object') flattenObjects(node.items);
  else if (node.type === 'list') node.items.forEach(walk);
}

/** The root object list of a document js-hcl-parser accepted. */
export function readDocument(text: string): ObjectItem[] {
  const reader = new Reader(text);
  return isJsonDocument(text) ? reader.jsonRoot() : reader.hclObjectList();
}
