// Every test process: a region (the SDK clients need one; CI has none) and no AWS SDK warning
// about Node 20, which says nothing about gehen and would land in captured log lines.
process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
