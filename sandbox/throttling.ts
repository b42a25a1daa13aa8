import { SandboxAwsError } from './aws-error';
import type { ApiCall, ApiGuard } from './server';

/**
 * AWS's request throttling for ECS and EventBridge: token buckets per account, Region and bucket.
 * A bucket holds at most `burst` tokens, refills `rate` tokens a second, and every call takes one;
 * a call finding it empty is answered ThrottlingException "Rate exceeded".
 */
export interface BucketRate {
  /** The bucket's maximum capacity: the burst rate. */
  burst: number;
  /** Tokens added back a second: the sustained rate. */
  rate: number;
}

interface Category extends BucketRate {
  actions: string[];
  /** Where AWS publishes the rate, or why the sandbox chose it. */
  source: string;
}

// https://docs.aws.amazon.com/AmazonECS/latest/APIReference/request-throttling.html
// ("Request token bucket sizes and refill rates"): actions in one category SHARE one bucket.
const ECS_DOC = 'https://docs.aws.amazon.com/AmazonECS/latest/APIReference/request-throttling.html';
// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html: PutEvents has its own
// per-Region rate; "all EventBridge APIs other than PutEvents are limited to 50 requests per
// second by default". AWS publishes a rate, not a burst: the sandbox uses burst = rate (the
// strictest reading), and gives each action its own bucket (the page does not say they share).
const EB_DOC = 'https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html';

/** The sandbox's throttling table, one row per bucket, each with its source. */
export const THROTTLING_TABLE: Record<'ecs' | 'events', Record<string, Category>> = {
  ecs: {
    'Cluster modify actions': { burst: 20, rate: 1, actions: ['CreateCluster', 'DeleteCluster'], source: ECS_DOC },
    'Cluster read actions': { burst: 50, rate: 20, actions: ['DescribeClusters', 'ListClusters'], source: ECS_DOC },
    'Task definition modify actions': {
      burst: 20,
      rate: 1,
      actions: ['RegisterTaskDefinition', 'DeregisterTaskDefinition'],
      source: ECS_DOC,
    },
    'Task definition read actions': {
      burst: 50,
      rate: 20,
      actions: ['DescribeTaskDefinition', 'ListTaskDefinitions', 'ListTaskDefinitionFamilies'],
      source: ECS_DOC,
    },
    'Cluster resource modify actions': { burst: 100, rate: 40, actions: ['RunTask', 'StopTask'], source: ECS_DOC },
    'Cluster resource read actions': { burst: 100, rate: 20, actions: ['DescribeTasks', 'ListTasks'], source: ECS_DOC },
    'Service modify actions': {
      burst: 50,
      rate: 5,
      actions: ['CreateService', 'DeleteService', 'UpdateService'],
      source: ECS_DOC,
    },
    'Service read actions': { burst: 100, rate: 20, actions: ['DescribeServices', 'ListServices'], source: ECS_DOC },
    'Tag modify actions': { burst: 20, rate: 10, actions: ['TagResource', 'UntagResource'], source: ECS_DOC },
    'Tag read actions': { burst: 50, rate: 20, actions: ['ListTagsForResource'], source: ECS_DOC },
  },
  events: {
    // us-east-1's published default; other Regions publish less (see UNLISTED_PUT_EVENTS).
    PutEvents: { burst: 10_000, rate: 10_000, actions: ['PutEvents'], source: EB_DOC },
  },
};

/** Every other EventBridge action: 50 a second, per action (EB_DOC). */
const EVENTBRIDGE_OTHER: BucketRate = { burst: 50, rate: 50 };
/**
 * An ECS action the table does not list: AWS publishes no rate the sandbox knows of, so it takes
 * the tightest published ECS bucket (20, refill 1), the conservative choice.
 */
const ECS_UNLISTED: BucketRate = { burst: 20, rate: 1 };
/** PutEvents outside the Regions with a 10,000/s default: the page lists lower figures; 400 is conservative. */
const UNLISTED_PUT_EVENTS: BucketRate = { burst: 400, rate: 400 };
const PUT_EVENTS_10K = new Set(['us-east-1', 'us-west-2', 'eu-west-1']);

/** The bucket a call draws from: its name (shared by the actions of one ECS category) and its rate. */
export function bucketOf(service: 'ecs' | 'events', operation: string, region: string): BucketRate & { name: string } {
  for (const [name, category] of Object.entries(THROTTLING_TABLE[service])) {
    if (!category.actions.includes(operation)) continue;
    if (operation === 'PutEvents' && !PUT_EVENTS_10K.has(region)) return { name, ...UNLISTED_PUT_EVENTS };
    return { name, burst: category.burst, rate: category.rate };
  }
  return { name: operation, ...(service === 'ecs' ? ECS_UNLISTED : EVENTBRIDGE_OTHER) };
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * The `throttling: aws` guard: token buckets per account (the sandbox has one), Region and bucket,
 * full at start. `now` (milliseconds) is injectable so the arithmetic can be tested without waiting.
 */
export function awsThrottling(now: () => number = Date.now): ApiGuard {
  const buckets = new Map<string, Bucket>();
  return (call: ApiCall) => {
    if (call.service !== 'ecs' && call.service !== 'events') return;
    const { name, burst, rate } = bucketOf(call.service, call.operation, call.region);
    const key = `${call.region}/${call.service}/${name}`;
    const time = now();
    const bucket = buckets.get(key) ?? { tokens: burst, at: time };
    bucket.tokens = Math.min(burst, bucket.tokens + ((time - bucket.at) / 1000) * rate);
    bucket.at = time;
    buckets.set(key, bucket);
    if (bucket.tokens < 1) throw new SandboxAwsError('ThrottlingException', 'Rate exceeded');
    bucket.tokens -= 1;
  };
}
