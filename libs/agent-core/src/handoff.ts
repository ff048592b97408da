/** Name of the function tool through which a model hands off to the agent called `agentName`. */
export function handoffToolName(agentName: string): string {
  return `transfer_to_${toolSafeName(agentName)}`.slice(0, 64);
}

/** An agent name made valid as a tool name. */
export function toolSafeName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_-]+/g, '_').slice(0, 64) || 'agent';
}
