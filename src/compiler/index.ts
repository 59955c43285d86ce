/**
 * compiler: validates Flyte workflow templates (DAG, bindings, types) and builds compiled
 * closures. Used by admin on registration, by propeller for dynamic sub-graphs.
 */
export { compileWorkflow, idKey, START_NODE, END_NODE, type CompileInput, type CompileResult } from './compile.ts';
