/**
 * @aether/workflow: the workflow format, its validation, the expression language and
 * the pure decider (`planNext`) the robot folds job history through.
 */
export type {
  NextAction,
  ParseWorkflowResult,
  PlannedStep,
  Problem,
  RunContext,
  StepError,
  StepHistory,
  StepRecord,
  Workflow,
  WorkflowNode,
} from './contract';

export { parseWorkflow } from './validate';
export { parseWorkflowText, MAX_WORKFLOW_TEXT } from './text';
export {
  planNext,
  createPlanner,
  engineErrorCodes,
  MAX_FOREACH_ITEMS,
  MAX_WALK,
  type Planner,
} from './engine';
export {
  nodeCatalog,
  isSafeRelativePath,
  type NodeSpec,
  type NodeCategory,
  type NodeNeed,
  type NodeParams,
  type NodeType,
  type EdgeField,
} from './catalog';
export { workflowNeeds, type WorkflowNeeds, type FlowNodes } from './needs';
export { checkInputs, withInputDefaults, type InputCheckOptions } from './inputs';
export { validateInputs, resolveInputs } from './run-inputs';
export {
  workflowJsonSchema,
  workflowSchema,
  inputTypes,
  type WorkflowDocument,
  type SubflowDocument,
  type WorkflowNodeDocument,
  type InputDefinition,
  type InputType,
  type OutputDefinition,
  type RetryPolicy,
} from './format';
export {
  evaluateExpression,
  evaluateTemplate,
  parseExpression,
  ExpressionError,
  expressionFunctions,
  expressionLimits,
  type ExpressionErrorCode,
  type Scope,
} from './expressions';
