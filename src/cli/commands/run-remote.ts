export async function runRemote(..._a: unknown[]): Promise<void> { throw new Error('run --remote is not available yet'); }
