"""Runs the SAM translator (aws-sam-translator, the library CloudFormation's AWS::Serverless transform
is built from) over templates given as JSON on stdin: [{"name": ..., "template": {...}, "parameters": {...}}].
Prints one JSON document: [{"name", "ok", "error", "resources": {logicalId: {"Type", "Properties"}}}]."""
import json
import sys

from samtranslator.translator.transform import transform


class NoManagedPolicies:
    """The templates name managed policies by ARN only; nothing needs looking up."""

    def load(self):
        return {}


out = []
for item in json.load(sys.stdin):
    try:
        result = transform(item["template"], item.get("parameters", {}), NoManagedPolicies())
        out.append({"name": item["name"], "ok": True, "resources": result.get("Resources", {})})
    except Exception as e:  # the test shows the translator's own message
        out.append({"name": item["name"], "ok": False, "error": f"{type(e).__name__}: {e}"})
json.dump(out, sys.stdout, default=str)
