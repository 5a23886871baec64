import { RestError } from '@azure/data-tables';
import { dependencyFault, describe as describeError, errorFields, statusOf } from '../../shared/azureFaults';

// The SDK's own RestError (@azure/core-rest-pipeline, re-exported by @azure/data-tables), not a stand-in.
const tableError = (statusCode: number, errorCode: string, message: string) => {
  const e = new RestError(
    JSON.stringify({
      'odata.error': { code: errorCode, message: { lang: 'en-US', value: `${message}\nRequestId:1\nTime:2026-01-01` } },
    }),
    { statusCode },
  );
  e.details = { errorCode };
  return e;
};

describe('reading what a dependency threw', () => {
  test("errorFields reads the SDK error's name, status and Table Storage code", () => {
    expect(errorFields(tableError(400, 'PropertyValueTooLarge', 'too large'))).toMatchObject({
      name: 'RestError',
      statusCode: 400,
      details: { errorCode: 'PropertyValueTooLarge' },
    });
    expect(statusOf(tableError(404, 'ResourceNotFound', 'gone'))).toBe(404);
  });

  test('a field of another type, or a thrown value that is no object, reads as absent', () => {
    expect(statusOf(Object.assign(new Error('x'), { statusCode: '404' }))).toBeUndefined();
    expect(errorFields(Object.assign(new Error('x'), { code: 7, statusCode: 503 }))).toMatchObject({
      code: undefined,
      statusCode: 503,
    });
    expect(errorFields('a string')).toEqual({});
    expect(errorFields(undefined)).toEqual({});
    expect(errorFields(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })).code).toBe(
      'ECONNREFUSED',
    );
  });

  test("describe names the code, status and the service's first words, and a refused write is a 400 naming its code", () => {
    const e = tableError(400, 'PropertyValueTooLarge', 'The property value exceeds the maximum allowed size (64KB).');
    expect(describeError(e)).toBe(
      'RestError PropertyValueTooLarge 400 The property value exceeds the maximum allowed size (64KB). RequestId:1 Time:2026-01-01',
    );
    const fault = dependencyFault(e);
    expect(fault?.error.status).toBe(400);
    expect(fault?.error.detail).toBe(
      'Table Storage refused this request (PropertyValueTooLarge): The property value exceeds the maximum allowed size (64KB). Shorten or correct the values it names and retry.',
    );
  });

  test("a message that is not Table Storage's JSON body is used as it is", () => {
    expect(describeError(new RestError('socket hang up', { code: 'ECONNRESET' }))).toBe(
      'RestError ECONNRESET socket hang up',
    );
  });
});
