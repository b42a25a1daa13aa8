/**
 * zod/mini, the functional API, for the Lambda code: esbuild tree-shakes it to what the schemas
 * use, where the classic API's methods pull in every check and schema type (~90 KB a bundle).
 * Import it as a namespace (`import * as z from '../shared/zod'`) so the tree-shaking holds.
 *
 * Unlike classic zod, zod/mini loads no locale, and its default messages are then just
 * "Invalid input". English, as classic zod sets it: only when no locale is set yet.
 */
import { en } from 'zod/locales';
import { config } from 'zod/mini';

if (!config().localeError) config(en());

export * from 'zod/mini';
