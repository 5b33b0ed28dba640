/** What the actions layer asks a target connector to send. */
export interface TargetRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /**
   * The path below the target's base URL, starting with "/", with every parameter value
   * already percent-encoded into its segment (src/actions/request-template.ts).
   */
  path: string;
  /** Query parameters, unencoded (the connector encodes them). */
  query: readonly (readonly [string, string])[];
  /** A JSON body, or undefined for none. */
  body?: unknown;
  /** The broker's request id, sent as X-Request-Id so the target's logs can be correlated. */
  requestId?: string;
  /**
   * Sent as Idempotency-Key: the caller's key scoped by role (`<role>/<key>`), already
   * validated to plain characters. Lets a tool that honours the header drop duplicates.
   */
  idempotencyKey?: string;
}

export interface TargetResponse {
  status: number;
  /** Parsed JSON, or undefined when the body was empty; `text` when it was not JSON. */
  data: unknown;
  isJson: boolean;
  /** The target's own request id (from its `request_id_header`), if it sent one. */
  targetRequestId?: string;
  durationMs: number;
}

/** Makes the outbound call to a configured target with the tool's key injected. */
export interface TargetConnector {
  call(target: string, request: TargetRequest, credential: string): Promise<TargetResponse>;
  close(): Promise<void>;
}
