import { BrokerError } from './broker-error';

/** One rejected field: `field` is the parameter name (or `body` for the whole body). */
export interface FieldProblem {
  field: string;
  message: string;
}

/** 400: the request body does not match the action's parameter schema. Nothing was called. */
export class InvalidParametersError extends BrokerError {
  override readonly name = 'InvalidParametersError';
  readonly status = 400;
  readonly code = 'invalid_parameters';

  constructor(readonly fields: readonly FieldProblem[]) {
    super(`invalid parameters: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`);
  }

  override details(): Record<string, unknown> {
    return { fields: this.fields.map((f) => ({ field: f.field, message: f.message })) };
  }
}
