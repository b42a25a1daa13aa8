import { STEP_TAG } from '../lib/step-lambda';
import { STACK_NAME } from '../lib/synth-names';
import type { SandboxAssembly } from '../sandbox/gehen-sandbox';
import { workflowFromTemplate } from '../sandbox/stepfunctions/template-workflow';

/** One Lambda step as deployed: its bundle, memory and environment, from the synthesized template. */
export interface BenchFunction {
  step: string;
  arn: string;
  entry: string;
  memoryMb: number;
  environment: Record<string, string>;
}

type TemplateResource = { Type?: string; Properties?: { Tags?: unknown; Code?: { S3Key?: unknown } } };

export function benchFunctions(assembly: SandboxAssembly, region: string): BenchFunction[] {
  const workflow = workflowFromTemplate({
    template: assembly.template,
    assemblyDir: assembly.dir,
    region,
    stackName: STACK_NAME,
  });
  const stepByAsset = new Map<string, string>();
  const resources = (assembly.template as { Resources?: Record<string, TemplateResource> }).Resources ?? {};
  for (const resource of Object.values(resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const tags = Array.isArray(resource.Properties?.Tags)
      ? (resource.Properties.Tags as Array<{ Key: string; Value: string }>)
      : [];
    const step = tags.find((tag) => tag.Key === STEP_TAG)?.Value;
    const key = resource.Properties?.Code?.S3Key;
    if (step && typeof key === 'string') stepByAsset.set(`asset.${key.replace(/\.zip$/, '')}`, step);
  }
  return workflow.functions.map((fn) => {
    const asset = fn.entry.split('/').at(-2) ?? '';
    return {
      step: stepByAsset.get(asset) ?? fn.functionName,
      arn: fn.arn,
      entry: fn.entry,
      memoryMb: fn.memorySize ?? 128,
      environment: fn.environment ?? {},
    };
  });
}
