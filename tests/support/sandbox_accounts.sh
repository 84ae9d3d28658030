# Sourced by scripts/demo and tests/integration/lib.sh: the sandbox's test
# credentials, handed to envsetup the way an operator hands real ones
# (environment variables the customer files reference), and what the
# sandbox's accounts hold for the example customers. Set, never inherited:
# a real key in the caller's environment never reaches the sandbox runs.
export MAILGUN_API_KEY=key-sandbox-mailgun-0001
export AWS_ACCESS_KEY_ID=AKIASANDBOX000000001
export AWS_SECRET_ACCESS_KEY=sandbox/secret/key/0000000000000000000000
export GODADDY_API_KEY=sandbox-godaddy-key-0001
export GODADDY_API_SECRET=sandbox-godaddy-secret-0001
export AZURE_CLIENT_SECRET=sandbox-azure-secret-0001
export INTERCOM_ACCESS_TOKEN=sandbox-intercom-token-0001
export INTERCOM_API_SECRET=sandbox-intercom-iv-secret-0001
export MANDRILL_API_KEY=md-sandbox-key-0001
export JIRA_API_TOKEN=sandbox-jira-token-0001
export BRAINTREE_PUBLIC_KEY=sandbox-bt-public-0001
export BRAINTREE_PRIVATE_KEY=sandbox-bt-private-0001
export EWAY_API_KEY=sandbox-eway-key-0001
export EWAY_API_PASSWORD=sandbox-eway-password-0001
export NEWRELIC_API_KEY=NRAK-SANDBOX00000000000000001
export SUMOLOGIC_ACCESS_ID=suSandboxAccessId01
export SUMOLOGIC_ACCESS_KEY=sandbox-sumo-key-0001
export SPLUNK_TOKEN=sandbox-splunk-token-0001
export SPARKPOST_API_KEY=sp-sandbox-key-0001
export SMTP_PASSWORD=sandbox-smtp-password-0001
# The Intercom workspace's teammates: those the example customers name
# have joined.
export SANDBOX_INTERCOM_ADMINS=owner@acme.example,support-lead@acme.example,helpdesk@initech.example

# What the other example customers' accounts hold: the Jira site globex's
# service desk is on, the Braintree merchant of initech's gateway, the
# Splunk Cloud stack of umbrella's. Export before the sandbox starts; a
# plugin's own test, with its own accounts, does not.
sandbox_example_accounts() {
  export SANDBOX_JIRA_EMAIL=envsetup@globex.example
  export SANDBOX_JIRA_USERS=support-lead@globex.example,agent1@globex.example
  export SANDBOX_BRAINTREE_MERCHANT_ID=initechmerchant01
  export SANDBOX_BRAINTREE_ACCOUNTS=initech_usd:USD:ACTIVE:default
  export SANDBOX_SPLUNK_STACK=umbrella
}
