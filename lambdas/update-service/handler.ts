import middy from '@middy/core';
import { type AwsClients, clientsForRole } from '../shared/clients';
import type { ServiceDeployment, UpdateServiceInput } from '../shared/contracts';
import { updateService } from './core';

const clients = new Map<string, AwsClients>();

export const handler = middy<UpdateServiceInput, ServiceDeployment>().handler((event) =>
  updateService(event, clientsForRole(clients, event.deployment.roleArn, 'gehen-update-service')),
);
