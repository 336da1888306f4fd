/**
 * Reading one JSONL line of a trajectory file into the rows of the seed's two tables, with
 * every value checked and converted first, so that inserting a run cannot fail on its data.
 *
 * Chat format (one run per line): `{ "id", "messages": [{ "role", "content", "tool_calls"?,
 * "tool_call_id"? }], "success"?, "reward"?, "task_type"?, "model"?, "metadata"? }` gives a
 * `trajectories` row per message and one `trajectory_outcomes` row.
 * Steps format (one step per line): `{ "trajectory_id", "step", "role", "content",
 * "tool_call"?, "tool_result"?, "outcome"? }`; a run is a group of consecutive lines with
 * one trajectory_id, and gets an outcome row only when one of its lines carries "outcome".
 * README's "Command line" section documents both, with the conversions.
 */

/** Values of one `trajectories` row, in INSERT order: trajectory_id, step, role, content, tool_call, tool_result (JSON text). */
export type StepValues = [string, number, string, string | null, string | null, string | null];

/** Values of one `trajectory_outcomes` row, in INSERT order: trajectory_id, task_type, success, reward_score, total_steps, total_tokens, model_version, metadata (JSON text). */
export type OutcomeValues = [string, string | null, boolean | null, number | null, number, number | null, string | null, string | null];

/** One run, ready to insert. */
export interface TrajectoryRun {
  id: string;
  /** Line numbers (1-based) the run came from. */
  firstLine: number;
  lastLine: number;
  steps: StepValues[];
  outcome: OutcomeValues | null;
}

/** The outcome fields of a run before its step count is known. */
export interface OutcomeFields {
  taskType: string | null;
  success: boolean | null;
  reward: number | null;
  totalTokens: number | null;
  model: string | null;
  metadata: string | null;
}

/** A line that cannot be imported; `trajectoryId` is set when the line names one. */
export class MalformedLine extends Error {
  constructor(
    message: string,
    readonly trajectoryId?: string,
  ) {
    super(message);
    this.name = 'MalformedLine';
  }
}

const INT32_MAX = 2 ** 31 - 1;

type JsonObject = Record<string, unknown>;

function parseObject(text: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new MalformedLine(`bad JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new MalformedLine(`expected a JSON object, got ${typeName(value)}`);
  return value as JsonObject;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** A trajectory id: a non-empty string, or an integer (stored as its decimal text). */
function trajectoryId(value: unknown, field: string): string {
  if (value === undefined) throw new MalformedLine(`missing "${field}"`);
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  throw new MalformedLine(`"${field}" must be a non-empty string or an integer, got ${typeName(value)}`);
}

function optionalString(value: unknown, field: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new MalformedLine(`"${field}" must be a string, got ${typeName(value)}`);
  return value;
}

function optionalBoolean(value: unknown, field: string): boolean | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'boolean') throw new MalformedLine(`"${field}" must be true or false, got ${typeName(value)}`);
  return value;
}

function optionalNumber(value: unknown, field: string): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number') throw new MalformedLine(`"${field}" must be a number, got ${typeName(value)}`);
  return value;
}

function optionalInteger(value: unknown, field: string): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > INT32_MAX) {
    throw new MalformedLine(`"${field}" must be an integer from 0 to ${INT32_MAX}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** JSON text of any JSON value; undefined and null are NULL. */
function jsonText(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

/**
 * Message content as text: a string as is; an array of parts (OpenAI's form) as the
 * concatenated `text` of its parts when every part is `{ "type": "text", "text" }`, else as
 * the array's JSON text; null stays NULL.
 */
function contentText(value: unknown, field: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    const allText = value.every((part) => typeof part === 'object' && part !== null && (part as JsonObject).type === 'text' && typeof (part as JsonObject).text === 'string');
    return allText ? value.map((part) => (part as { text: string }).text).join('') : JSON.stringify(value);
  }
  throw new MalformedLine(`"${field}" must be a string, null or an array of parts, got ${typeName(value)}`);
}

/** A tool message's content as JSON: itself where it parses as JSON, else as a JSON string. */
function toolResultJson(content: string | null): string | null {
  if (content === null) return null;
  try {
    return JSON.stringify(JSON.parse(content));
  } catch {
    return JSON.stringify(content);
  }
}

/** Token count from metadata.total_tokens, metadata.usage.total_tokens or usage.total_tokens, when an integer. */
function totalTokens(line: JsonObject, metadata: unknown): number | null {
  const candidates = [
    (metadata as JsonObject | null)?.total_tokens,
    ((metadata as JsonObject | null)?.usage as JsonObject | undefined)?.total_tokens,
    (line.usage as JsonObject | undefined)?.total_tokens,
  ];
  for (const candidate of candidates) {
    if (typeof candidate === 'number' && Number.isInteger(candidate) && candidate >= 0 && candidate <= INT32_MAX) return candidate;
  }
  return null;
}

function metadataOf(value: unknown, field: string): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) throw new MalformedLine(`"${field}" must be an object, got ${typeName(value)}`);
  return value;
}

export function outcomeValues(id: string, fields: OutcomeFields, totalSteps: number): OutcomeValues {
  return [id, fields.taskType, fields.success, fields.reward, totalSteps, fields.totalTokens, fields.model, fields.metadata];
}

/** One chat-format line → one run. Throws MalformedLine. */
export function parseChatLine(text: string, lineNumber: number): TrajectoryRun {
  const line = parseObject(text);
  const id = trajectoryId(line.id ?? line.trajectory_id, line.id === undefined && line.trajectory_id !== undefined ? 'trajectory_id' : 'id');
  const fail = (message: string): never => {
    throw new MalformedLine(message, id);
  };
  const messages = line.messages;
  if (messages === undefined) fail('missing "messages"');
  if (!Array.isArray(messages)) fail(`"messages" must be an array, got ${typeName(messages)}`);
  const steps: StepValues[] = [];
  try {
    (messages as unknown[]).forEach((message, step) => {
      const where = `messages[${step}]`;
      if (typeof message !== 'object' || message === null || Array.isArray(message)) throw new MalformedLine(`${where} must be an object, got ${typeName(message)}`);
      const m = message as JsonObject;
      if (typeof m.role !== 'string') throw new MalformedLine(m.role === undefined ? `${where} has no "role"` : `${where}.role must be a string, got ${typeName(m.role)}`);
      const content = contentText(m.content, `${where}.content`);
      if (m.tool_calls !== undefined && m.tool_calls !== null && !Array.isArray(m.tool_calls)) {
        throw new MalformedLine(`${where}.tool_calls must be an array, got ${typeName(m.tool_calls)}`);
      }
      const toolCallId = optionalString(m.tool_call_id, `${where}.tool_call_id`);
      const isTool = m.role === 'tool' || m.role === 'function' || toolCallId !== null;
      // A tool message has no tool_calls; its tool_call_id is kept as {"tool_call_id": …}.
      const toolCall = Array.isArray(m.tool_calls) ? JSON.stringify(m.tool_calls) : toolCallId !== null ? JSON.stringify({ tool_call_id: toolCallId }) : null;
      steps.push([id, step, m.role, content, toolCall, isTool ? toolResultJson(content) : null]);
    });
    const metadata = metadataOf(line.metadata, 'metadata');
    const outcome: OutcomeFields = {
      taskType: optionalString(line.task_type, 'task_type'),
      success: optionalBoolean(line.success, 'success'),
      reward: optionalNumber(line.reward ?? line.reward_score, line.reward === undefined && line.reward_score !== undefined ? 'reward_score' : 'reward'),
      totalTokens: totalTokens(line, metadata),
      model: optionalString(line.model ?? line.model_version, line.model === undefined && line.model_version !== undefined ? 'model_version' : 'model'),
      metadata: jsonText(metadata),
    };
    return { id, firstLine: lineNumber, lastLine: lineNumber, steps, outcome: outcomeValues(id, outcome, steps.length) };
  } catch (error) {
    if (error instanceof MalformedLine && error.trajectoryId === undefined) throw new MalformedLine(error.message, id);
    throw error;
  }
}

/** One steps-format line. */
export interface StepLine {
  trajectoryId: string;
  values: StepValues;
  outcome: OutcomeFields | null;
}

/** One steps-format line → its step (and outcome fields, if it carries them). Throws MalformedLine. */
export function parseStepLine(text: string): StepLine {
  const line = parseObject(text);
  const id = trajectoryId(line.trajectory_id, 'trajectory_id');
  try {
    const step = line.step;
    if (step === undefined) throw new MalformedLine('missing "step"');
    if (typeof step !== 'number' || !Number.isInteger(step) || step < 0 || step > INT32_MAX) {
      throw new MalformedLine(`"step" must be an integer from 0 to ${INT32_MAX}, got ${JSON.stringify(step)}`);
    }
    if (typeof line.role !== 'string') throw new MalformedLine(line.role === undefined ? 'missing "role"' : `"role" must be a string, got ${typeName(line.role)}`);
    const values: StepValues = [id, step, line.role, contentText(line.content, 'content'), jsonText(line.tool_call), jsonText(line.tool_result)];
    let outcome: OutcomeFields | null = null;
    if (line.outcome !== undefined && line.outcome !== null) {
      if (typeof line.outcome !== 'object' || Array.isArray(line.outcome)) throw new MalformedLine(`"outcome" must be an object, got ${typeName(line.outcome)}`);
      const o = line.outcome as JsonObject;
      const metadata = metadataOf(o.metadata, 'outcome.metadata');
      outcome = {
        taskType: optionalString(o.task_type, 'outcome.task_type'),
        success: optionalBoolean(o.success, 'outcome.success'),
        reward: optionalNumber(o.reward ?? o.reward_score, 'outcome.reward'),
        totalTokens: optionalInteger(o.total_tokens, 'outcome.total_tokens') ?? totalTokens(o, metadata),
        model: optionalString(o.model ?? o.model_version, 'outcome.model'),
        metadata: jsonText(metadata),
      };
    }
    return { trajectoryId: id, values, outcome };
  } catch (error) {
    if (error instanceof MalformedLine) throw new MalformedLine(error.message, id);
    throw error;
  }
}
