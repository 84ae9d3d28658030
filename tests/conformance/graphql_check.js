#!/usr/bin/env node
/*
 * Check a plugin's GraphQL exchanges against the provider's published
 * schema with graphql-js (the reference implementation), for providers
 * that publish GraphQL SDL, which Prism cannot serve.
 *
 * usage: graphql_check.js --schema SDL --exchanges LOG --operations A,B
 *                         [--path /graphql] [--version-header NAME]
 *                         [--auth basic|header:NAME] [--mutations yes]
 *
 * LOG holds loopback_proxy.py's JSON lines (request and reply). For each:
 *  - the request is POST PATH, Content-Type application/json, with its
 *    credentials (--auth: HTTP Basic, the default, or a non-empty header
 *    NAME such as NerdGraph's API-Key), and carries the version header as
 *    a YYYY-MM-DD date (when named);
 *  - it is a query, or (--mutations yes, for a plugin that writes) a
 *    mutation;
 *  - its body is {query, variables?}; the query parses, passes every
 *    validation rule of the GraphQL specification against the schema, and
 *    the variables coerce to the operation's variable definitions;
 *  - a reply with `data` and no `errors` is executed back through the
 *    schema (each field read from the reply by its response key), so a
 *    reply that breaks the schema (a wrong enum value, a missing non-null
 *    field, a wrong type) is a violation too.
 * Coverage: the operation names seen must be exactly --operations (the
 * plugin's own list, taken from its source by the caller).
 * Exit 1 unless there were exchanges, all clean, and coverage is 100 %.
 */
"use strict";
const fs = require("fs");
const path = require("path");
const g = require(path.join(__dirname, "node_modules", "graphql"));

function args() {
  const a = { path: "/graphql", operations: "", auth: "basic", mutations: "no" };
  const v = process.argv.slice(2);
  for (let i = 0; i < v.length; i += 2) a[v[i].replace(/^--/, "").replace(/-(.)/g, (_, c) => c.toUpperCase())] = v[i + 1];
  if (!a.schema || !a.exchanges) {
    console.error("usage: graphql_check.js --schema SDL --exchanges LOG --operations A,B");
    process.exit(2);
  }
  return a;
}

function header(headers, name) {
  for (const k of Object.keys(headers || {})) if (k.toLowerCase() === name.toLowerCase()) return headers[k];
  return undefined;
}

function checkRequest(a, schema, x, problems) {
  const h = x.request_headers || {};
  if (x.method !== "POST") problems.push(`method ${x.method}, not POST`);
  if (x.path.split("?")[0] !== a.path) problems.push(`path ${x.path}, not ${a.path}`);
  if (!/^application\/json\b/.test(header(h, "Content-Type") || "")) problems.push("Content-Type is not application/json");
  if (a.auth.startsWith("header:")) {
    const name = a.auth.slice("header:".length);
    if (!(header(h, name) || "").trim()) problems.push(`no ${name} header`);
  } else if (!/^Basic [A-Za-z0-9+/=]+$/.test(header(h, "Authorization") || "")) problems.push("no HTTP Basic Authorization");
  if (a.versionHeader && !/^\d{4}-\d{2}-\d{2}$/.test(header(h, a.versionHeader) || ""))
    problems.push(`${a.versionHeader} is not a YYYY-MM-DD date`);
  let body;
  try {
    body = JSON.parse(x.request_body);
  } catch (e) {
    problems.push("request body is not JSON");
    return null;
  }
  const extra = Object.keys(body).filter((k) => !["query", "variables", "operationName"].includes(k));
  if (extra.length) problems.push(`unknown body members: ${extra.join(", ")}`);
  if (typeof body.query !== "string") {
    problems.push("no query string");
    return null;
  }
  let doc;
  try {
    doc = g.parse(body.query);
  } catch (e) {
    problems.push(`query does not parse: ${e.message}`);
    return null;
  }
  for (const e of g.validate(schema, doc)) problems.push(`query: ${e.message}`);
  const ops = doc.definitions.filter((d) => d.kind === "OperationDefinition");
  if (ops.length !== 1) {
    problems.push(`${ops.length} operations in one request`);
    return null;
  }
  const op = ops[0];
  if (op.operation !== "query" && !(a.mutations === "yes" && op.operation === "mutation"))
    problems.push(`a ${op.operation}: the plugin only reads`);
  const coerced = g.getVariableValues(schema, op.variableDefinitions || [], body.variables || {});
  for (const e of coerced.errors || []) problems.push(`variables: ${e.message}`);
  return { doc, op, variables: coerced.coerced || {} };
}

function checkReply(schema, x, q, problems) {
  let reply;
  try {
    reply = JSON.parse(x.body);
  } catch (e) {
    problems.push(`reply ${x.status} is not JSON`);
    return;
  }
  if (!reply || typeof reply !== "object" || Array.isArray(reply)) {
    problems.push("reply is not a JSON object");
    return;
  }
  if (reply.errors) {
    if (!Array.isArray(reply.errors) || reply.errors.some((e) => typeof e.message !== "string"))
      problems.push("errors[] without messages");
    return; /* an error reply: its shape is checked, not its data */
  }
  const result = g.executeSync({
    schema,
    document: q.doc,
    rootValue: reply.data,
    variableValues: q.variables,
    fieldResolver: (source, _args, _ctx, info) => (source ? source[info.path.key] : null),
  });
  for (const e of result.errors || []) problems.push(`reply breaks the schema at ${(e.path || []).join(".")}: ${e.message}`);
  if (JSON.stringify(result.data) !== JSON.stringify(reply.data))
    problems.push("reply holds fields the query did not select, or misses some");
}

function main() {
  const a = args();
  const schema = g.buildSchema(fs.readFileSync(a.schema, "utf8"));
  const want = new Set(a.operations.split(",").filter(Boolean));
  const seen = new Set();
  const lines = fs.existsSync(a.exchanges) ? fs.readFileSync(a.exchanges, "utf8").split("\n").filter(Boolean) : [];
  let bad = 0;
  lines.forEach((line, i) => {
    const x = JSON.parse(line);
    const problems = [];
    const q = checkRequest(a, schema, x, problems);
    const name = q && q.op.name ? q.op.name.value : "(anonymous)";
    if (q) {
      seen.add(name);
      if (!want.has(name)) problems.push(`operation ${name} is not one of the plugin's (${[...want].join(", ")})`);
      checkReply(schema, x, q, problems);
    }
    if (problems.length) {
      bad++;
      console.log(`VIOLATION ${i + 1}: ${x.method} ${x.path} ${name}: ${problems.join("; ")}`);
    }
  });
  const missing = [...want].filter((o) => !seen.has(o));
  console.log(`graphql: ${lines.length} requests, ${seen.size} of ${want.size} operations seen, ${bad} with violations`);
  if (missing.length) console.log(`UNCOVERED: ${missing.join(", ")}`);
  process.exit(lines.length > 0 && bad === 0 && missing.length === 0 ? 0 : 1);
}

main();
