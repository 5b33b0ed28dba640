/** A request field whose value cannot be converted to the field's type (Vault's wording). */
export class FieldConversionError extends Error {
  override readonly name = 'FieldConversionError';
}
