/**
 * A loopback STS endpoint that answers with STS's real Query-protocol documents, for the paths moto
 * cannot produce: a rejected MFA code, expired or invalid long-term keys, a real IAM user's ARN.
 * Each action answers what `set(action, reply)` last gave it; every request is recorded.
 */
import { createServer, type Server } from "node:http";
import { randomUUID } from "node:crypto";

export interface StsReply {
  status: number;
  body: string;
}

export interface StsRequest {
  action: string;
  params: Record<string, string>;
  authorization: string;
}

const NS = "https://sts.amazonaws.com/doc/2011-06-15/";

/** STS's error document, e.g. stsError("AccessDenied", "MultiFactorAuthentication failed ...", 403). */
export function stsError(code: string, message: string, status: number, type: "Sender" | "Receiver" = "Sender"): StsReply {
  return {
    status,
    body: `<ErrorResponse xmlns="${NS}">\n  <Error>\n    <Type>${type}</Type>\n    <Code>${code}</Code>\n    <Message>${message}</Message>\n  </Error>\n  <RequestId>${randomUUID()}</RequestId>\n</ErrorResponse>\n`,
  };
}

/** The replies real STS gives for the failures hdoc mfa login must explain. */
export const STS_ERRORS = {
  mfaCodeRejected: () => stsError("AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code. ", 403),
  invalidKeys: () => stsError("InvalidClientTokenId", "The security token included in the request is invalid.", 403),
  expiredToken: () => stsError("ExpiredToken", "The security token included in the request is expired", 403),
  signatureMismatch: () =>
    stsError("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.", 403),
};

export function callerIdentity(arn: string, account: string, userId = "AIDAEXAMPLEUSERID0001"): StsReply {
  return {
    status: 200,
    body: `<GetCallerIdentityResponse xmlns="${NS}">\n  <GetCallerIdentityResult>\n    <Arn>${arn}</Arn>\n    <UserId>${userId}</UserId>\n    <Account>${account}</Account>\n  </GetCallerIdentityResult>\n  <ResponseMetadata>\n    <RequestId>${randomUUID()}</RequestId>\n  </ResponseMetadata>\n</GetCallerIdentityResponse>\n`,
  };
}

export function sessionToken(c: { accessKeyId: string; secretAccessKey: string; sessionToken: string; expiration: Date }): StsReply {
  return {
    status: 200,
    body: `<GetSessionTokenResponse xmlns="${NS}">\n  <GetSessionTokenResult>\n    <Credentials>\n      <AccessKeyId>${c.accessKeyId}</AccessKeyId>\n      <SecretAccessKey>${c.secretAccessKey}</SecretAccessKey>\n      <SessionToken>${c.sessionToken}</SessionToken>\n      <Expiration>${c.expiration.toISOString()}</Expiration>\n    </Credentials>\n  </GetSessionTokenResult>\n  <ResponseMetadata>\n    <RequestId>${randomUUID()}</RequestId>\n  </ResponseMetadata>\n</GetSessionTokenResponse>\n`,
  };
}

export interface StsEndpoint {
  url: string;
  requests: StsRequest[];
  set(action: string, reply: StsReply | ((req: StsRequest) => StsReply)): void;
  close(): Promise<void>;
}

export async function startStsEndpoint(): Promise<StsEndpoint> {
  const replies = new Map<string, StsReply | ((req: StsRequest) => StsReply)>();
  const requests: StsRequest[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      const params = Object.fromEntries(new URLSearchParams(body));
      const action = params.Action ?? "";
      const recorded: StsRequest = { action, params, authorization: String(req.headers.authorization ?? "") };
      requests.push(recorded);
      const r = replies.get(action);
      const reply = typeof r === "function" ? r(recorded) : r ?? stsError("InvalidAction", `Could not find operation ${action} for version 2011-06-15`, 400);
      res.writeHead(reply.status, { "content-type": "text/xml", "x-amzn-requestid": randomUUID() });
      res.end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    set: (action, reply) => replies.set(action, reply),
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
