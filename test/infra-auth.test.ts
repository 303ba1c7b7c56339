/**
 * Who may call what, read from the templates after the real SAM translator (aws-sam-translator)
 * has turned them into what API Gateway and IAM receive: GET routes public, every other frontend
 * route behind the Cognito authorizer of the Auth stack's user pool, POST /statistics behind AWS_IAM
 * and invokable by the Statistics Parser's role alone.
 */
import { readdirSync, existsSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { execa } from "execa";
import { repoRoot } from "./helpers/tables.ts";

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const templates = ["infra", "cicd"]
  .map((d) => path.join(repoRoot, d))
  .filter((d) => existsSync(d))
  .flatMap((d) => readdirSync(d).filter((f) => /\.ya?ml$/.test(f) && !/^(samconfig|buildspec)/.test(f)).map((f) => path.join(d, f)));

let translated: Record<string, { template?: Doc; errors?: string[] }>;
beforeAll(async () => {
  const res = await execa("python3", [path.join(repoRoot, "test/helpers/sam-translate.py"), ...templates], { cwd: repoRoot });
  translated = JSON.parse(res.stdout);
}, 60_000);

const api = () => translated[path.join(repoRoot, "infra/api.yml")]!.template!;

describe("the SAM translator", () => {
  it("accepts every template in infra/ and cicd/", () => {
    expect(templates.length).toBeGreaterThanOrEqual(5);
    expect(Object.fromEntries(Object.entries(translated).map(([f, r]) => [path.relative(repoRoot, f), r.errors ?? []]))).toEqual(
      Object.fromEntries(templates.map((f) => [path.relative(repoRoot, f), []])),
    );
  });
});

describe("API authorization after translation", () => {
  const methods = () => {
    const paths = api().Resources.Api.Properties.Body.paths as Doc;
    return Object.entries(paths).flatMap(([p, verbs]) => Object.entries(verbs as Doc).map(([verb, op]) => ({ route: `${verb.toUpperCase()} ${p}`, op: op as Doc })));
  };

  it("leaves GET and the CORS preflight public and puts every other route behind an authorizer", () => {
    const table = Object.fromEntries(methods().map(({ route, op }) => [route, (op.security ?? []).flatMap((s: Doc) => Object.keys(s)).join(",") || "public"]));
    expect(table).toEqual({
      "GET /users": "public",
      "GET /users/{username}": "public",
      "GET /articles/{articleId}": "public",
      "GET /tags": "public",
      "POST /signup": "CognitoAuthorizer",
      "POST /users/{username}/articles": "CognitoAuthorizer",
      "POST /statistics": "AWS_IAM",
      "OPTIONS /users": "public",
      "OPTIONS /users/{username}": "public",
      "OPTIONS /users/{username}/articles": "public",
      "OPTIONS /articles/{articleId}": "public",
      "OPTIONS /tags": "public",
      "OPTIONS /signup": "public",
      "OPTIONS /statistics": "public",
    });
  });

  it("uses the Auth stack's user pool for the Cognito authorizer, with the ID token in Authorization", () => {
    const def = api().Resources.Api.Properties.Body.securityDefinitions.CognitoAuthorizer;
    expect(def).toMatchObject({ in: "header", name: "Authorization", "x-amazon-apigateway-authtype": "cognito_user_pools", "x-amazon-apigateway-authorizer": { type: "cognito_user_pools", providerARNs: [{ Ref: "UserPoolArn" }] } });
    const root = translated[path.join(repoRoot, "infra/template.yml")]!.template!;
    expect(root.Resources.Api.Properties.Parameters.UserPoolArn).toEqual({ "Fn::GetAtt": ["Auth", "Outputs.UserPoolArn"] });
  });

  it("invokes the AWS_IAM route's function with API Gateway's own permission, not the caller's credentials", () => {
    const op = methods().find((m) => m.route === "POST /statistics")!.op;
    expect(op["x-amazon-apigateway-integration"].credentials).toBeUndefined();
  });

  it("lets only the Statistics Parser's role invoke the API, and only POST /statistics", () => {
    const grants: Array<{ role: string; resource: unknown }> = [];
    for (const [file, r] of Object.entries(translated)) {
      for (const [id, res] of Object.entries((r.template?.Resources ?? {}) as Doc)) {
        if (res.Type !== "AWS::IAM::Role") continue;
        for (const policy of res.Properties.Policies ?? []) {
          for (const st of [policy.PolicyDocument.Statement].flat()) {
            const actions = [st?.Action ?? []].flat();
            if (actions.some((a: string) => /^execute-api:(Invoke|\*)$|^\*$/.test(a))) grants.push({ role: `${path.basename(file)} ${id}`, resource: st.Resource });
          }
        }
      }
    }
    expect(grants).toEqual([
      { role: "api.yml StatisticsParserFunctionRole", resource: { "Fn::Sub": "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/${Stage}/POST/statistics" } },
    ]);
  });

  it("runs the Statistics Parser on the stage's schedule, one run at a time, never retried by Lambda", () => {
    const r = api().Resources;
    const rule = r.StatisticsParserFunctionSchedule;
    expect(rule.Type).toBe("AWS::Events::Rule");
    expect(rule.Properties.ScheduleExpression).toEqual({ Ref: "StatisticsParserRate" });
    expect(r.StatisticsParserFunction.Properties.ReservedConcurrentExecutions).toBe(1);
    expect(r.StatisticsParserFunctionEventInvokeConfig.Properties.MaximumRetryAttempts).toBe(0);
    const root = translated[path.join(repoRoot, "infra/template.yml")]!.template!;
    expect(root.Mappings.StageSettings).toEqual({ dev: { StatisticsParserRate: "rate(1 day)" }, staging: { StatisticsParserRate: "rate(1 day)" }, prod: { StatisticsParserRate: "rate(6 hours)" } });
  });
});
