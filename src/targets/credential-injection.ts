/**
 * How a tool key is put on the outbound request: a bearer token, a header built from a
 * template, HTTP basic auth (the key as the password), or a query parameter.
 */
import type { CredentialInjection } from '../config';

export interface InjectedCredential {
  headers: Record<string, string>;
  query: [string, string][];
}

export function injectCredential(inject: CredentialInjection, key: string): InjectedCredential {
  // A key with a line break would split the header (response splitting / smuggling).
  if (/[\r\n\0]/.test(key)) throw new Error('the tool key contains a line break or NUL and cannot be sent');
  switch (inject.type) {
    case 'bearer':
      return { headers: { Authorization: `Bearer ${key}` }, query: [] };
    case 'header':
      return { headers: { [inject.name]: inject.template.replace('{key}', () => key) }, query: [] };
    case 'basic':
      return {
        headers: { Authorization: `Basic ${Buffer.from(`${inject.username}:${key}`, 'utf8').toString('base64')}` },
        query: [],
      };
    case 'query':
      return { headers: {}, query: [[inject.name, key]] };
  }
}

/** Header and query names whose values carry the key, for the redactor. */
export function credentialKeyNames(inject: CredentialInjection): string[] {
  switch (inject.type) {
    case 'bearer':
    case 'basic':
      return ['authorization'];
    case 'header':
      return [inject.name];
    case 'query':
      return [inject.name];
  }
}
