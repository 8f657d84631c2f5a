import { z } from 'zod';
import { EngineCrashedError, EngineRequestError, EngineUnavailableError } from '../assistant/engineClient';

/** llama.cpp's error types (its server's `error_type`), which OpenAI clients read as well. */
export type ApiErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'unavailable_error'
  | 'exceed_context_size_error'
  | 'server_error';

/** A refusal or failure with its HTTP status; the body is `{error: {code, message, type}}` as llama.cpp sends. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly type: ApiErrorType,
    message: string,
  ) {
    super(message);
  }
}

export function errorBody(error: ApiError): { error: { code: number; message: string; type: ApiErrorType } } {
  return { error: { code: error.status, message: error.message, type: error.type } };
}

export function badRequest(error: z.ZodError): ApiError {
  const issue = error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  return new ApiError(400, 'invalid_request_error', `${where}${issue?.message ?? 'invalid request'}`);
}

/** An engine failure in the API's words; `null` for a request the client itself gave up on. */
export function engineFailure(error: unknown): ApiError | null {
  if (error instanceof EngineUnavailableError) return new ApiError(503, 'unavailable_error', error.message);
  if (error instanceof EngineCrashedError) return new ApiError(500, 'server_error', error.message);
  if (error instanceof EngineRequestError) {
    switch (error.code) {
      case 'ABORTED':
        return null;
      case 'INVALID_REQUEST':
        return new ApiError(400, 'invalid_request_error', error.message);
      case 'CONTEXT_OVERFLOW':
      case 'TOO_MANY_BLOCKS':
        return new ApiError(400, 'exceed_context_size_error', error.message);
      case 'NOT_LOADED':
        return new ApiError(503, 'unavailable_error', error.message);
      default:
        return new ApiError(500, 'server_error', error.message);
    }
  }
  return new ApiError(500, 'server_error', error instanceof Error ? error.message : String(error));
}
