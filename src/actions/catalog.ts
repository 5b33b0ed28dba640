/**
 * The allow-list of actions from the config, each ready to validate its parameters and
 * render its target request.
 */
import type { ActionConfig, BrokerConfig, ParameterConfig } from '../config';
import { UnknownActionError } from '../errors';
import type { TargetRequest } from '../targets';
import { buildParameterValidator, type ParameterValidator, type ParameterValues } from './parameter-schema';
import { renderRequest } from './request-template';

export interface ActionDefinition {
  readonly name: string;
  readonly target: string;
  readonly description?: string;
  readonly config: ActionConfig;
  /** Throws InvalidParametersError naming each bad field. */
  readonly validate: ParameterValidator;
  /** Throws InvalidParametersError when a value cannot be placed safely. */
  render(values: ParameterValues): TargetRequest;
  /** alias → field path in the target's JSON answer. */
  readonly resultFields: Readonly<Record<string, string>>;
}

/** What GET /v1/actions shows about an action. */
export interface ActionSummary {
  name: string;
  description?: string;
  parameters: Record<string, Omit<ParameterConfig, never>>;
}

export class ActionCatalog {
  private readonly actions = new Map<string, ActionDefinition>();

  constructor(actions: BrokerConfig['actions']) {
    for (const [name, config] of Object.entries(actions)) {
      this.actions.set(name, {
        name,
        target: config.target,
        description: config.description,
        config,
        validate: buildParameterValidator(config.parameters),
        render: (values) => renderRequest(config, values),
        resultFields: config.result,
      });
    }
  }

  has(name: string): boolean {
    return this.actions.has(name);
  }

  /** Throws UnknownActionError (404). */
  get(name: string): ActionDefinition {
    const action = this.actions.get(name);
    if (!action) throw new UnknownActionError(name);
    return action;
  }

  names(): string[] {
    return [...this.actions.keys()].sort();
  }

  summary(name: string): ActionSummary {
    const a = this.get(name);
    return { name, ...(a.description ? { description: a.description } : {}), parameters: { ...a.config.parameters } };
  }
}
