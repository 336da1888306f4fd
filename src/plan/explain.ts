/**
 * EXPLAIN: the physical plan a statement would run, one operator per line, children
 * indented below their parent — which tables are scanned (and which columns), what is
 * pushed into each scan, which joins are hash joins on which keys, where sorting is a
 * top-k. Column references print as #n (the n-th column of the operator's input).
 */
import type { ExpressionMessage, PlanMessage, PlanNodeMessage } from './plan_message.js';

export function explainLines(message: PlanMessage): string[] {
  const lines: string[] = [];
  switch (message.kind) {
    case 'query':
      node(message.plan, 0, lines);
      message.subqueries.forEach((subquery, index) => {
        lines.push(`Subquery ${index} (${isScan(subquery) ? 'runs once, when first probed; one that scans a primary key is probed through the key index instead when only some rows are probed' : 'runs once, before the plan'})`);
        node(subquery, 1, lines);
      });
      break;
    case 'delete':
    case 'update':
      lines.push(`${message.kind === 'delete' ? 'Delete from' : 'Update'} ${message.table}`);
      node(message.plan, 1, lines);
      break;
    case 'insert':
      lines.push(`Insert into ${message.table} (${message.rowCount} row${message.rowCount === 1 ? '' : 's'})${message.onConflict ? ` on conflict do ${message.onConflict.action}` : ''}`);
      break;
    case 'create_table':
      lines.push(`Create table ${message.name}`);
      break;
    case 'drop_table':
      lines.push(`Drop table ${message.names.join(', ')}`);
      break;
  }
  return lines;
}

function node(plan: PlanNodeMessage, depth: number, lines: string[]): void {
  const pad = '  '.repeat(depth);
  switch (plan.op) {
    case 'scan':
      lines.push(`${pad}Scan ${plan.table} (columns ${plan.columns.length ? plan.columns.map((c) => `#${c}`).join(', ') : 'none'})${plan.filter ? ` filter: ${expression(plan.filter)} (zone maps prune segments)` : ''}${plan.withRowIds ? ' with row ids' : ''}`);
      return;
    case 'vector_scan':
      lines.push(
        `${pad}Vector top-${plan.k ?? 'all'} scan ${plan.table} by ${plan.metric} distance of #${plan.column} to ${expression(plan.query)} (columns ${plan.columns.map((c) => `#${c}`).join(', ') || 'none'}${plan.outputs?.length ? `; computes ${plan.outputs.map((o) => `${o.function}(${o.queryFirst ? `query, #${plan.column}` : `#${plan.column}, query`})`).join(', ')}` : ''})${plan.filter ? ` filter: ${expression(plan.filter)}` : ''}: HNSW index search filtered by the rows passing (primary-key probes asked only for the rows the search reaches), exact when few pass or no index exists`,
      );
      return;
    case 'filter':
      lines.push(`${pad}Filter ${expression(plan.predicate)}`);
      node(plan.input, depth + 1, lines);
      return;
    case 'project':
      lines.push(`${pad}Project ${plan.expressions.map(expression).join(', ') || '(no columns)'}`);
      if (plan.input) node(plan.input, depth + 1, lines);
      return;
    case 'aggregate':
      lines.push(
        `${pad}${plan.aggregates.length === 0 && plan.groups.length > 0 ? 'Distinct' : 'Aggregate'}${plan.groups.length ? ` group by ${plan.groups.map(expression).join(', ')}` : ''}${plan.aggregates.length ? ` computing ${plan.aggregates.map((a) => `${a.function}(${a.distinct ? 'DISTINCT ' : ''}${a.argument ? expression(a.argument) : a.function === 'count_star' ? '*' : ''})`).join(', ')}` : ''}`,
      );
      node(plan.input, depth + 1, lines);
      return;
    case 'sort':
      lines.push(`${pad}${plan.limit !== undefined ? `Top-${plan.limit}` : 'Sort'} by ${plan.keys.map((k) => `${expression(k.expression)} ${k.descending ? 'DESC' : 'ASC'} NULLS ${k.nullsFirst ? 'FIRST' : 'LAST'}`).join(', ')}`);
      node(plan.input, depth + 1, lines);
      return;
    case 'limit':
      lines.push(`${pad}Limit ${plan.limit ?? 'ALL'}${plan.offset ? ` offset ${plan.offset}` : ''}`);
      node(plan.input, depth + 1, lines);
      return;
    case 'hash_join':
    case 'nested_loop_join': {
      const keys = plan.leftKeys.map((key, i) => `${expression(key)} = right ${expression(plan.rightKeys[i]!)}`).join(' AND ');
      lines.push(
        `${pad}${plan.op === 'hash_join' ? 'Hash join' : 'Nested loop join'} ${plan.joinType}${keys ? ` on ${keys}` : ''}${plan.residual ? ` if ${expression(plan.residual)}` : ''}${plan.op === 'hash_join' ? ` (${hashJoinMethod(plan)})` : ''}`,
      );
      node(plan.input, depth + 1, lines);
      node(plan.right, depth + 1, lines);
      return;
    }
  }
}

/** A scan, or a projection over one: what a primary-key lookup can replace. */
function isScan(plan: PlanNodeMessage): boolean {
  return plan.op === 'scan' || (plan.op === 'project' && plan.input !== undefined && plan.input.op === 'scan');
}

/** Whether a plan yields a bounded number of rows (a LIMIT, a top-k). */
function isBounded(plan: PlanNodeMessage): boolean {
  switch (plan.op) {
    case 'vector_scan': return plan.k !== undefined;
    case 'sort': return plan.limit !== undefined;
    case 'limit': return plan.limit !== undefined || isBounded(plan.input);
    case 'project': return plan.input !== undefined && isBounded(plan.input);
    case 'filter': return isBounded(plan.input);
    default: return false;
  }
}

function hashJoinMethod(plan: PlanNodeMessage & { op: 'hash_join' | 'nested_loop_join' }): string {
  const lookupPossible = (plan.right.op === 'scan' && isBounded(plan.input)) ||
    (plan.input.op === 'scan' && isBounded(plan.right) && (plan.joinType === 'inner' || plan.joinType === 'semi'));
  return lookupPossible
    ? 'the bounded side\'s keys looked up in the key index when the scan covers its table\'s primary key and has 8x the rows, else a hash table on the second input'
    : 'hash table built on the second input';
}

function expression(e: ExpressionMessage): string {
  switch (e.kind) {
    case 'column': return `#${e.index}`;
    case 'constant': return e.value === null ? 'NULL' : typeof e.value === 'string' ? `'${e.value.replaceAll("'", "''")}'` : Array.isArray(e.value) ? `[${e.value.join(',')}]` : String(e.value);
    case 'parameter': return `$${e.index + 1}`;
    case 'now': return 'now()';
    case 'compare':
    case 'arithmetic': return `(${expression(e.left)} ${e.op} ${expression(e.right)})`;
    case 'and':
    case 'or': return `(${e.args.map(expression).join(` ${e.kind.toUpperCase()} `)})`;
    case 'not': return `NOT ${expression(e.arg)}`;
    case 'is_null': return `${expression(e.arg)} IS ${e.negated ? 'NOT ' : ''}NULL`;
    case 'negate': return `-${expression(e.arg)}`;
    case 'cast': return `${expression(e.arg)}::${e.type}`;
    case 'function': return `${e.name}(${e.args.map(expression).join(', ')})`;
    case 'like': return `${expression(e.args[0]!)} ${e.negated ? 'NOT ' : ''}${e.caseInsensitive ? 'ILIKE' : 'LIKE'} ${expression(e.args[1]!)}`;
    case 'case': return `CASE(${e.args.map(expression).join(', ')})`;
    case 'in_list': return `${expression(e.args[0]!)} ${e.negated ? 'NOT ' : ''}IN (${e.args.slice(1).map(expression).join(', ')})`;
    case 'in_subquery': return `${e.name === 'exists' ? 'EXISTS' : `(${e.args.map(expression).join(', ')}) IN`} subquery ${e.subquery}${e.negated ? ' negated' : ''}`;
    case 'scalar_subquery': return `(subquery ${e.subquery})`;
  }
}
