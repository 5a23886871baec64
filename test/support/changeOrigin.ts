import { ChangeOrigin } from '../../shared/scim/changeEvent';

/** The origin that tests calling the service or the stores directly record on their change events. */
export const TEST_ORIGIN: ChangeOrigin = { correlationId: 'test-correlation', tokenId: 'test-token' };
