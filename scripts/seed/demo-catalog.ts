// The demo catalog loaded on the first `npm run dev` and by `npm run db:seed`. Never loaded into the
// test database (design.md §21).

export const DEMO_WORKSPACE = { name: "Automatos Labs", slug: "automatos-labs" };
export const DEMO_USER = { clerkUserId: "user_demo_publisher", email: "publisher@demo.local", name: "Demo Publisher" };

export const CATEGORIES = [
  { slug: "customer-support", name: "Customer Support", icon: "🎧" },
  { slug: "devops", name: "DevOps", icon: "🛠️" },
  { slug: "sales", name: "Sales", icon: "💼" },
  { slug: "marketing", name: "Marketing", icon: "📣" },
  { slug: "engineering", name: "Engineering", icon: "💻" },
  { slug: "data-analytics", name: "Data & Analytics", icon: "📊" },
  { slug: "productivity", name: "Productivity", icon: "⚡" },
  { slug: "research", name: "Research", icon: "🔬" },
  { slug: "language-models", name: "Language Models", icon: "🧠" },
  { slug: "integrations", name: "Integrations", icon: "🔌" },
];

// The original's 20 plugin categories (reference §1.9), sort orders 10…200.
export const PLUGIN_CATEGORIES = [
  ["code-review", "Code Review", "🔍"], ["testing", "Testing", "🧪"], ["documentation", "Documentation", "📚"],
  ["deployment", "Deployment", "🚀"], ["monitoring", "Monitoring", "📈"], ["ci-cd", "CI/CD", "🔁"],
  ["seo", "SEO", "🔎"], ["content", "Content", "✍️"], ["analytics", "Analytics", "📊"],
  ["outreach", "Outreach", "📬"], ["crm", "CRM", "🤝"], ["prospecting", "Prospecting", "🎯"],
  ["ticketing", "Ticketing", "🎫"], ["knowledge-base", "Knowledge Base", "🗂️"], ["analysis", "Analysis", "🧮"],
  ["visualization", "Visualization", "📉"], ["etl", "ETL", "🔄"], ["scanning", "Scanning", "🛡️"],
  ["compliance", "Compliance", "✅"], ["audit", "Audit", "📋"],
].map(([slug, name, icon], i) => ({ slug: slug!, name: name!, icon: icon!, sortOrder: (i + 1) * 10 }));

export const TOOLS = [
  { appName: "GMAIL", displayName: "Gmail", description: "Read, send and label e-mail.", categories: ["communication"], authSchemes: ["OAUTH2"] },
  { appName: "SLACK", displayName: "Slack", description: "Post messages and read channels.", categories: ["communication"], authSchemes: ["OAUTH2"] },
  { appName: "GITHUB", displayName: "GitHub", description: "Issues, pull requests and repositories.", categories: ["developer"], authSchemes: ["OAUTH2"] },
  { appName: "NOTION", displayName: "Notion", description: "Pages and databases.", categories: ["productivity"], authSchemes: ["OAUTH2"] },
  { appName: "JIRA", displayName: "Jira", description: "Tickets and sprints.", categories: ["developer"], authSchemes: ["OAUTH2"] },
  { appName: "HUBSPOT", displayName: "HubSpot", description: "Contacts, deals and pipelines.", categories: ["crm"], authSchemes: ["OAUTH2"] },
  { appName: "GOOGLECALENDAR", displayName: "Google Calendar", description: "Events and availability.", categories: ["productivity"], authSchemes: ["OAUTH2"] },
  { appName: "ZENDESK", displayName: "Zendesk", description: "Support tickets and macros.", categories: ["support"], authSchemes: ["API_KEY"] },
  { appName: "LINEAR", displayName: "Linear", description: "Issues and projects.", categories: ["developer"], authSchemes: ["API_KEY"] },
  { appName: "WEBSEARCH", displayName: "Web Search", description: "Search the public web.", categories: ["research"], authSchemes: [] },
].map((tool) => ({
  ...tool,
  appSlug: tool.appName.toLowerCase(),
  logoUrl: `https://assets.example.com/tools/${tool.appName.toLowerCase()}.svg`,
}));

// As the original's seed_llm_marketplace did: the model list as curated marketplace entries.
export const LLMS = [
  ["openai", "gpt-4o", "GPT-4o", 128000, 0.0025, 0.01, ["vision", "functions"]],
  ["openai", "gpt-4o-mini", "GPT-4o mini", 128000, 0.00015, 0.0006, ["vision", "functions"]],
  ["openai", "o3-mini", "o3-mini", 200000, 0.0011, 0.0044, ["reasoning", "functions"]],
  ["anthropic", "claude-3-5-sonnet", "Claude 3.5 Sonnet", 200000, 0.003, 0.015, ["vision", "functions"]],
  ["anthropic", "claude-3-5-haiku", "Claude 3.5 Haiku", 200000, 0.0008, 0.004, ["functions"]],
  ["anthropic", "claude-3-opus", "Claude 3 Opus", 200000, 0.015, 0.075, ["vision", "functions"]],
  ["google", "gemini-1.5-pro", "Gemini 1.5 Pro", 2000000, 0.00125, 0.005, ["vision", "functions"]],
  ["google", "gemini-1.5-flash", "Gemini 1.5 Flash", 1000000, 0.000075, 0.0003, ["vision", "functions"]],
  ["meta", "llama-3.1-405b-instruct", "Llama 3.1 405B Instruct", 128000, 0.003, 0.003, ["functions"]],
  ["meta", "llama-3.1-70b-instruct", "Llama 3.1 70B Instruct", 128000, 0.00052, 0.00075, ["functions"]],
  ["mistral", "mistral-large", "Mistral Large", 128000, 0.002, 0.006, ["functions"]],
  ["mistral", "codestral", "Codestral", 256000, 0.0003, 0.0009, ["code"]],
  ["deepseek", "deepseek-chat", "DeepSeek V3", 64000, 0.00014, 0.00028, ["functions"]],
  ["cohere", "command-r-plus", "Command R+", 128000, 0.0025, 0.01, ["functions", "rag"]],
  ["xai", "grok-2", "Grok 2", 131072, 0.002, 0.01, ["functions"]],
].map(([provider, modelId, displayName, contextWindow, inputCost, outputCost, capabilities]) => ({
  provider: provider as string,
  modelId: modelId as string,
  displayName: displayName as string,
  contextWindow: contextWindow as number,
  inputCostPer1k: inputCost as number,
  outputCostPer1k: outputCost as number,
  capabilities: capabilities as string[],
}));

export const SKILLS = [
  { name: "Ticket Triage", category: "customer-support", tags: ["support", "triage"], description: "Classifies incoming tickets by urgency, product area and sentiment." },
  { name: "Release Notes Writer", category: "engineering", tags: ["changelog", "writing"], description: "Turns merged pull requests into readable release notes." },
  { name: "Lead Qualification", category: "sales", tags: ["bant", "leads"], description: "Scores leads against BANT criteria from CRM and e-mail context." },
  { name: "SQL Explainer", category: "data-analytics", tags: ["sql", "analytics"], description: "Explains and optimises SQL queries in plain language." },
  { name: "Meeting Summariser", category: "productivity", tags: ["meetings", "summary"], description: "Summarises meeting notes into decisions and action items." },
  { name: "Incident Timeline", category: "devops", tags: ["incident", "sre"], description: "Builds an incident timeline from alerts, deploys and chat." },
  { name: "Competitive Research", category: "research", tags: ["research", "competitors"], description: "Collects and compares public facts about competitors." },
];

export const AGENTS = [
  { name: "Support Concierge", category: "customer-support", tags: ["support", "zendesk"], tools: ["ZENDESK", "SLACK"], skills: ["Ticket Triage"], model: "claude-3-5-sonnet", description: "Answers tier-1 support tickets and escalates the rest with a summary.", installs: 412 },
  { name: "PR Reviewer", category: "engineering", tags: ["code review", "github"], tools: ["GITHUB"], skills: ["Release Notes Writer"], model: "gpt-4o", description: "Reviews pull requests for bugs, style and missing tests.", installs: 388 },
  { name: "Sales Assistant", category: "sales", tags: ["crm", "outreach"], tools: ["HUBSPOT", "GMAIL"], skills: ["Lead Qualification"], model: "gpt-4o-mini", description: "Qualifies inbound leads and drafts first-touch e-mails.", installs: 251 },
  { name: "On-call Copilot", category: "devops", tags: ["incident", "sre"], tools: ["SLACK", "GITHUB", "JIRA"], skills: ["Incident Timeline"], model: "claude-3-5-haiku", description: "Gathers context during incidents and keeps the timeline current.", installs: 197 },
  { name: "Data Analyst", category: "data-analytics", tags: ["sql", "reporting"], tools: ["NOTION"], skills: ["SQL Explainer"], model: "gemini-1.5-pro", description: "Answers business questions with SQL and writes the findings up.", installs: 164 },
  { name: "Meeting Scribe", category: "productivity", tags: ["meetings", "notes"], tools: ["GOOGLECALENDAR", "NOTION"], skills: ["Meeting Summariser"], model: "gpt-4o-mini", description: "Joins your calendar, summarises meetings and files the notes.", installs: 143 },
  { name: "Market Researcher", category: "research", tags: ["research", "web"], tools: ["WEBSEARCH", "NOTION"], skills: ["Competitive Research"], model: "claude-3-5-sonnet", description: "Researches markets and competitors and writes briefings.", installs: 98 },
  { name: "Sprint Planner", category: "engineering", tags: ["agile", "planning"], tools: ["LINEAR", "JIRA"], skills: [], model: "o3-mini", description: "Drafts sprint plans from the backlog and the team's velocity.", installs: 61 },
];

export const RECIPES = [
  { name: "Support Inbox Zero", category: "customer-support", tags: ["support", "automation"], agents: ["Support Concierge"], tools: ["ZENDESK", "SLACK"], description: "Triage, answer and escalate every new ticket.", installs: 120, steps: ["Triage new tickets", "Draft answers", "Escalate with summary"] },
  { name: "Weekly Release Digest", category: "engineering", tags: ["changelog", "digest"], agents: ["PR Reviewer"], tools: ["GITHUB", "SLACK"], description: "Collect merged PRs and post release notes every Friday.", installs: 86, steps: ["Collect merged PRs", "Write release notes", "Post to Slack"] },
  { name: "Lead Follow-up", category: "sales", tags: ["leads", "e-mail"], agents: ["Sales Assistant"], tools: ["HUBSPOT", "GMAIL"], description: "Qualify new leads and send tailored follow-ups.", installs: 77, steps: ["Qualify lead", "Draft follow-up", "Log in CRM"] },
  { name: "Incident Postmortem", category: "devops", tags: ["incident", "postmortem"], agents: ["On-call Copilot"], tools: ["JIRA", "SLACK"], description: "Build a postmortem draft from an incident channel.", installs: 40, steps: ["Gather timeline", "Draft postmortem", "Open follow-up tickets"] },
];

export const FEATURED = new Set(["Support Concierge", "PR Reviewer", "Support Inbox Zero", "claude-3-5-sonnet", "Ticket Triage", "GitHub"]);
