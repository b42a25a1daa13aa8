import { isTransientAwsError } from '../../../lambdas/shared/errors';
import { awsError } from './deploy-fixtures';

describe('isTransientAwsError', () => {
  test.each([
    ['ThrottlingException', 'Rate exceeded', true],
    ['ClientException', 'Too many concurrent attempts to create a new revision of the specified family.', true],
    ['ClientException', 'Container.image should not be null or empty.', false],
    // EventBridge's targets-per-rule limit: retrying never fixes it.
    ['LimitExceededException', 'The requested resource exceeds the maximum number allowed.', false],
  ])('%s (%s) is transient: %s', (name, message, transient) => {
    expect(isTransientAwsError(awsError(name, message))).toBe(transient);
  });
});
