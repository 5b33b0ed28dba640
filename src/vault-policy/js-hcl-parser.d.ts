/**
 * js-hcl-parser ships no types. It is hashicorp/hcl v1 compiled with gopherjs: `parse` returns
 * the document as a JSON string, or the text "unable to parse JSON: <error>" (it never throws).
 */
declare module 'js-hcl-parser' {
  export function parse(input: string): string;
  export function stringify(input: string): string;
}
