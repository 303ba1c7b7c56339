import { describe, expect, it } from "vitest";
import { redacting } from "./clients.ts";
import { Redactor } from "../ui/redact.ts";

describe("redacting", () => {
  it("masks the keys and token a credential provider yields in everything printed afterwards", async () => {
    const r = new Redactor();
    const creds = { accessKeyId: "ASIAEXAMPLEKEY000001", secretAccessKey: "s3cr3t/Key+Value0123456789", sessionToken: "FwoGZXIvYXdzEXAMPLETOKEN" };
    const provider = redacting(async () => creds, r);
    expect(r.redact(creds.sessionToken)).toBe(creds.sessionToken); // not known yet
    expect(await provider()).toEqual(creds);
    const line = r.redact(`signature mismatch for ${creds.secretAccessKey} with token ${creds.sessionToken}`);
    expect(line).toBe("signature mismatch for **** with token ****");
  });
});
