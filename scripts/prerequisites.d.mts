export interface Prerequisite {
  name: string;
  /** Why the tests need it, said to the user when it is missing. */
  why: string;
  debPackages: string[];
  /** Without a required one the tests cannot pass; an optional one only skips some tests. */
  required: boolean;
  present(): boolean;
}

export interface PlanInput {
  missing: Pick<Prerequisite, 'name' | 'why' | 'debPackages' | 'required'>[];
  isRoot: boolean;
  hasApt: boolean;
  /** STEERWAY_NO_APT: never install, only ask. */
  noApt: boolean;
}

export type Plan =
  | { action: 'none' }
  | { action: 'install'; packages: string[] }
  | { action: 'ask' | 'warn'; message: string };

export declare const PREREQUISITES: Prerequisite[];
export declare function planPrerequisites(input: PlanInput): Plan;
