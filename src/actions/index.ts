/**
 * Actions: the allow-listed catalog from the config, parameter validation, request
 * templating, result picking, and the two use cases (invoke one, list the allowed ones).
 */
export { ActionCatalog, type ActionDefinition, type ActionSummary } from './catalog';
export { buildParameterValidator, type ParameterValues, type ParameterValidator } from './parameter-schema';
export { renderRequest, renderPath, renderQuery, renderBody } from './request-template';
export { pickResult } from './result-picker';
export { markerPath, allowsInvoke } from './authorization';
export { InvokeAction, type InvokeActionDeps, type InvokeActionInput, type InvokeActionOutput } from './invoke-action';
export { ListActions, type ListActionsDeps } from './list-actions';
