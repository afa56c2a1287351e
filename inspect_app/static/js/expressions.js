// The evaluator of checklist expressions in the browser: the twin of
// inspect_app/checklists/expressions.py, held to the same test vectors
// (tests/data/expressions.json). It runs the JSON syntax trees the server made at import;
// it has no parser and touches no DOM, so any page or worker can import it.
//
// A context is { lookup(name) -> string, current: string, today: "YYYY-MM-DD" }, and in a
// choice_filter also column(name) -> string: a column of the choice being filtered (["col", name]).

const NUMERAL = /^-?(?:\d+(?:\.\d*)?|\.\d+)$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}(?:\.\d+)?))?$/;
const TIME = /^(\d{2}):(\d{2})(?::(\d{2}(?:\.\d+)?))?$/;
const XPATH_SPACE = /[ \t\r\n]+/;
const DAY_MS = 86400000;

function trimXPath(text) {
  return text.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, "");
}

function days(year, month, day) {
  const ms = Date.UTC(year, month - 1, day);
  const back = new Date(ms);
  // Date.UTC rolls 2023-02-30 over into March; a real date reads back unchanged.
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day) {
    return NaN;
  }
  return ms / DAY_MS;
}

function dayFraction(hours, minutes, seconds) {
  if (hours > 23 || minutes > 59 || seconds >= 60) return NaN;
  return (hours * 3600 + minutes * 60 + seconds) / 86400;
}

export function toNumber(value) {
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "number") return value;
  const text = trimXPath(String(value));
  if (NUMERAL.test(text)) return parseFloat(text);
  let m = DATE.exec(text);
  if (m) return days(+m[1], +m[2], +m[3]);
  m = DATETIME.exec(text);
  if (m) {
    const fraction = dayFraction(+m[4], +m[5], m[6] ? parseFloat(m[6]) : 0);
    return days(+m[1], +m[2], +m[3]) + fraction;
  }
  m = TIME.exec(text);
  if (m) return dayFraction(+m[1], +m[2], m[3] ? parseFloat(m[3]) : 0);
  return NaN;
}

export function toString(value) {
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "string") return value;
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "Infinity" : "-Infinity";
  if (Number.isInteger(value) && Math.abs(value) < 1e21) return Object.is(value, -0) ? "0" : value.toFixed(0);
  return String(value);
}

export function toBoolean(value) {
  if (typeof value === "boolean") return value;
  if (typeof value === "string") return value !== "";
  return !(value === 0 || Number.isNaN(value));
}

function equal(a, b) {
  if (typeof a === "boolean" || typeof b === "boolean") return toBoolean(a) === toBoolean(b);
  if (typeof a === "number" || typeof b === "number") return toNumber(a) === toNumber(b);
  return a === b;
}

function tokens(value) {
  return toString(value).split(XPATH_SPACE).filter((v) => v !== "");
}

const patterns = new Map();

function regex(text, pattern) {
  let compiled = patterns.get(pattern);
  if (compiled === undefined) {
    try {
      compiled = new RegExp(`^(?:${pattern})$`);
    } catch (err) {
      compiled = null;
    }
    patterns.set(pattern, compiled);
  }
  return compiled !== null && compiled.test(text);
}

function divide(a, b) {
  return a / b;
}

function modulo(a, b) {
  if (b === 0 || !Number.isFinite(a) || Number.isNaN(b)) return NaN;
  if (!Number.isFinite(b)) return a;
  return a % b;
}

function roundTo(number, digits) {
  // round(x[, digits]): halves round up (towards +infinity), as XPath's round() does.
  if (Number.isNaN(digits)) return NaN;
  if (!Number.isFinite(number)) return number;
  const places = Number.isFinite(digits) ? Math.trunc(digits) : digits > 0 ? 300 : -300;
  const scale = 10 ** Math.max(-300, Math.min(300, places));
  const shifted = number * scale + 0.5;
  if (!Number.isFinite(shifted)) return number;
  return Math.floor(shifted) / scale;
}

function clampIndex(index, n) {
  if (Number.isFinite(index)) return Math.max(0, Math.min(n, Math.trunc(index)));
  return index < 0 ? 0 : n;
}

function substr(text, start, end) {
  // JavaRosa's substr(s, start[, end]): characters from start to before end, counted from 0.
  if (Number.isNaN(start) || Number.isNaN(end)) return "";
  const chars = [...text];
  const first = clampIndex(start, chars.length);
  const last = clampIndex(end, chars.length);
  return last > first ? chars.slice(first, last).join("") : "";
}

function call(name, args, ctx) {
  switch (name) {
    case "true":
      return true;
    case "false":
      return false;
    case "today":
      return ctx.today;
    case "string-length": {
      const text = args.length ? toString(evaluate(args[0], ctx)) : ctx.current;
      return [...text].length;
    }
    case "if":
      return toBoolean(evaluate(args[0], ctx)) ? evaluate(args[1], ctx) : evaluate(args[2], ctx);
    case "coalesce": {
      const first = evaluate(args[0], ctx);
      return toString(first) !== "" ? first : evaluate(args[1], ctx);
    }
    default:
      break;
  }
  const values = args.map((arg) => evaluate(arg, ctx));
  switch (name) {
    case "not":
      return !toBoolean(values[0]);
    case "selected":
      return tokens(values[0]).includes(trimXPath(toString(values[1])));
    case "count-selected":
      return tokens(values[0]).length;
    case "regex":
      return regex(toString(values[0]), toString(values[1]));
    case "concat":
      return values.map(toString).join("");
    case "round":
      return roundTo(toNumber(values[0]), values.length > 1 ? toNumber(values[1]) : 0);
    case "int": {
      const number = toNumber(values[0]);
      return Number.isFinite(number) ? Math.trunc(number) : number;
    }
    case "number":
      return toNumber(values[0]);
    case "string":
      return toString(values[0]);
    case "boolean":
      return toBoolean(values[0]);
    case "substr":
      return substr(toString(values[0]), toNumber(values[1]), values.length > 2 ? toNumber(values[2]) : Infinity);
    case "contains":
      return toString(values[0]).includes(toString(values[1]));
    case "starts-with":
      return toString(values[0]).startsWith(toString(values[1]));
    case "ends-with":
      return toString(values[0]).endsWith(toString(values[1]));
    default:
      throw new Error(`unknown function ${name}`);
  }
}

export function evaluate(node, ctx) {
  const op = node[0];
  switch (op) {
    case "num":
      return Number(node[1]);
    case "str":
      return String(node[1]);
    case "ref":
      return ctx.lookup(node[1]) || "";
    case "cur":
      return ctx.current || "";
    case "col":
      return ctx.column ? String(ctx.column(node[1]) ?? "") : "";
    case "or":
      return toBoolean(evaluate(node[1], ctx)) || toBoolean(evaluate(node[2], ctx));
    case "and":
      return toBoolean(evaluate(node[1], ctx)) && toBoolean(evaluate(node[2], ctx));
    case "neg":
      return -toNumber(evaluate(node[1], ctx));
    case "call":
      return call(node[1], node.slice(2), ctx);
    default:
      break;
  }
  const a = evaluate(node[1], ctx);
  const b = evaluate(node[2], ctx);
  if (op === "=") return equal(a, b);
  if (op === "!=") return !equal(a, b);
  const x = toNumber(a);
  const y = toNumber(b);
  switch (op) {
    case "<":
      return x < y;
    case "<=":
      return x <= y;
    case ">":
      return x > y;
    case ">=":
      return x >= y;
    case "+":
      return x + y;
    case "-":
      return x - y;
    case "*":
      return x * y;
    case "div":
      return divide(x, y);
    case "mod":
      return modulo(x, y);
    default:
      throw new Error(`unknown operator ${op}`);
  }
}

export function isTrue(node, ctx) {
  return toBoolean(evaluate(node, ctx));
}
