/**
 * Which resource properties hold local artifacts that packaging uploads, and how the uploaded
 * object is written back: the same table `aws cloudformation package` works from (plus SAM's
 * HttpApi and GraphQLApi, which the SAM CLI packages too).
 *
 * - `url`: the property becomes the string `s3://bucket/key`.
 * - `object`: the property becomes `{ <bucket>: bucket, <key>: key }` in the type's own names.
 * - `zip`: a folder is always zipped; with `zip: "always"` a single file is zipped too (Lambda code
 *   and layers must be zips), else a file is uploaded as it is.
 * Nested templates (AWS::CloudFormation::Stack TemplateURL, AWS::Serverless::Application Location)
 * are handled by the packager itself: packaged first, then uploaded, then pointed at by https URL.
 */

export interface ArtifactProperty {
  /** Dotted path inside Properties, e.g. "Command.ScriptLocation". */
  path: string;
  form: { kind: "url" } | { kind: "object"; bucket: string; key: string };
  zip: "always" | "folders";
}

const url = { kind: "url" } as const;
const object = (bucket: string, key: string) => ({ kind: "object", bucket, key }) as const;

export const ARTIFACT_PROPERTIES: Record<string, ArtifactProperty[]> = {
  "AWS::Serverless::Function": [{ path: "CodeUri", form: url, zip: "always" }],
  "AWS::Serverless::LayerVersion": [{ path: "ContentUri", form: url, zip: "always" }],
  "AWS::Serverless::Api": [{ path: "DefinitionUri", form: url, zip: "folders" }],
  "AWS::Serverless::HttpApi": [{ path: "DefinitionUri", form: url, zip: "folders" }],
  "AWS::Serverless::GraphQLApi": [{ path: "SchemaUri", form: url, zip: "folders" }],
  "AWS::Serverless::StateMachine": [{ path: "DefinitionUri", form: object("Bucket", "Key"), zip: "folders" }],
  "AWS::Lambda::Function": [{ path: "Code", form: object("S3Bucket", "S3Key"), zip: "always" }],
  "AWS::Lambda::LayerVersion": [{ path: "Content", form: object("S3Bucket", "S3Key"), zip: "always" }],
  "AWS::ApiGateway::RestApi": [{ path: "BodyS3Location", form: object("Bucket", "Key"), zip: "folders" }],
  "AWS::AppSync::GraphQLSchema": [{ path: "DefinitionS3Location", form: url, zip: "folders" }],
  "AWS::AppSync::Resolver": [
    { path: "RequestMappingTemplateS3Location", form: url, zip: "folders" },
    { path: "ResponseMappingTemplateS3Location", form: url, zip: "folders" },
  ],
  "AWS::AppSync::FunctionConfiguration": [
    { path: "RequestMappingTemplateS3Location", form: url, zip: "folders" },
    { path: "ResponseMappingTemplateS3Location", form: url, zip: "folders" },
  ],
  "AWS::ElasticBeanstalk::ApplicationVersion": [{ path: "SourceBundle", form: object("S3Bucket", "S3Key"), zip: "folders" }],
  "AWS::StepFunctions::StateMachine": [{ path: "DefinitionS3Location", form: object("Bucket", "Key"), zip: "folders" }],
  "AWS::Glue::Job": [{ path: "Command.ScriptLocation", form: url, zip: "folders" }],
  "AWS::CodeCommit::Repository": [{ path: "Code.S3", form: object("Bucket", "Key"), zip: "always" }],
};

/** The resource types whose property names a nested template. */
export const NESTED_STACK_PROPERTY: Record<string, string> = {
  "AWS::CloudFormation::Stack": "TemplateURL",
  "AWS::Serverless::Application": "Location",
};

/** A value that already names an object in S3 (or on the web) is left as it is. */
export const isRemoteRef = (v: string): boolean => /^(s3|https?):\/\//i.test(v);
