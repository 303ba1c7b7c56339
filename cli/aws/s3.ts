/**
 * The S3 port for packaging: is an object there (HeadObject), put one (PutObject), and the URL
 * CloudFormation reads a template from. Narrow on purpose: only the calls `hdoc deploy` makes, so
 * the IAM policy of the build (cicd/pipeline.template.yml) can list exactly these.
 */
import { HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { HdocError } from "../errors.ts";
import { awsCall } from "./errors.ts";
import { clientConfig, type AwsTarget } from "./clients.ts";
import type { TemplateStore } from "./cloudformation.ts";

export interface ArtifactStore {
  /** Whether `key` is in `bucket` (HeadObject: 200 yes, 404 no; anything else is an error). */
  has(bucket: string, key: string): Promise<boolean>;
  put(bucket: string, key: string, body: Buffer | string, contentType: string): Promise<void>;
  /** The path-style https URL of an object, as `TemplateURL` and SAM's `Location` take it. */
  url(bucket: string, key: string): string;
}

const encodeKey = (key: string) => key.split("/").map(encodeURIComponent).join("/");

/** Path-style URL: the endpoint's when one is set, else S3's regional endpoint (amazonaws.com.cn in China). */
export function s3ObjectUrl(bucket: string, key: string, region: string, endpoint?: string): string {
  const base = endpoint ? endpoint.replace(/\/+$/, "") : `https://s3.${region}.amazonaws.com${region.startsWith("cn-") ? ".cn" : ""}`;
  return `${base}/${bucket}/${encodeKey(key)}`;
}

export function s3ArtifactStore(target: AwsTarget): ArtifactStore {
  const client = new S3Client({ ...clientConfig(target), forcePathStyle: Boolean(target.endpoint) });
  const endpoint = target.endpoint;
  return {
    async has(bucket, key) {
      try {
        await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return true;
      } catch (e) {
        const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
        const status = err.$metadata?.httpStatusCode;
        if (err.name === "NotFound" || err.name === "NoSuchKey" || status === 404) return false;
        if (err.name === "Forbidden" || status === 403) {
          // HEAD has no body: S3 answers a bare 403 both for "no s3:GetObject" and for a missing key without s3:ListBucket.
          throw new HdocError(
            "AWS",
            `access denied: s3:GetObject on s3://${bucket}/${key} (HeadObject answered 403)`,
            `grant s3:GetObject on the prefix and s3:ListBucket on ${bucket} (without ListBucket S3 answers 403 instead of 404 for a missing key)`,
            { cause: e },
          );
        }
        if (err.name === "NoSuchBucket" || (status === 301 && !endpoint)) {
          throw new HdocError("NOT_FOUND", `bucket ${bucket} does not exist${status === 301 ? " in this region" : ""}`, "pass --s3-bucket with the stage's artifacts bucket, or deploy the pipeline stack first (`hdoc pipeline deploy`)", { cause: e });
        }
        return awsCall({ action: "s3:HeadObject", endpoint }, () => Promise.reject(e));
      }
    },
    async put(bucket, key, body, contentType) {
      await awsCall({ action: "s3:PutObject", endpoint }, () =>
        client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType, ServerSideEncryption: "AES256" })),
      );
    },
    url: (bucket, key) => s3ObjectUrl(bucket, key, target.region.value, endpoint),
  };
}

/** A template over CloudFormation's inline limit goes to S3; CloudFormation reads it from the returned URL. */
export function s3TemplateStore(target: AwsTarget): TemplateStore {
  const store = s3ArtifactStore(target);
  return {
    async upload(bucket, key, body) {
      await store.put(bucket, key, body, "text/yaml");
      return store.url(bucket, key);
    },
  };
}
