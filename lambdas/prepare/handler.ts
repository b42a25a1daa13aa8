import middy from '@middy/core';
import { z } from 'zod';
import { type AwsClients, clientsForRole } from '../shared/clients';
import type { Plan, PrepareInput } from '../shared/contracts';
import { prepare } from './core';

const env = z.object({ AWS_REGION: z.string().min(1) }).parse(process.env);
const clients = new Map<string, AwsClients>();

export const handler = middy<PrepareInput, Plan>().handler((event) =>
  prepare(event, (roleArn) => clientsForRole(clients, roleArn, 'gehen-prepare'), { defaultRegion: env.AWS_REGION }),
);
