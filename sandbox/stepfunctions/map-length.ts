import { type AslObject, isAslObject } from './local-workflow';
import { walkStates } from './task-states';

/**
 * MapStateStarted's `length`: the number of items a Map state iterates for a given input, for
 * the simple paths (`$`, `$.a.b`) workflows use; undefined for anything else.
 */
export function mapLengths(definition: AslObject): (stateName: string, input: unknown) => number | undefined {
  const maps = new Map<string, AslObject>();
  for (const [name, state] of walkStates(definition)) if (state.Type === 'Map') maps.set(name, state);
  return (stateName, input) => {
    const state = maps.get(stateName);
    if (!state) return undefined;
    const items = select(select(input, state.InputPath ?? '$'), state.ItemsPath ?? '$');
    return Array.isArray(items) ? items.length : undefined;
  };
}

function select(value: unknown, path: unknown): unknown {
  if (typeof path !== 'string' || !/^\$(\.[A-Za-z_][\w-]*)*$/.test(path)) return undefined;
  let current = value;
  for (const key of path.split('.').slice(1)) current = isAslObject(current) ? current[key] : undefined;
  return current;
}
