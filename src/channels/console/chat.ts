/**
 * `npm run chat`: talk to Gateway Doctor in a terminal, through the same bot and turn pipeline as every
 * other channel. Choices can be picked by number, by typing their label, or with the up/down arrows
 * (the offered choices are loaded into the line history after each reply).
 */
import readline from 'node:readline';
import type { Activity } from 'botbuilder';
import { environmentWith, loadConfig, ConfigError, type Config } from '../../config';
import { createLogger } from '../../observability/logger';

interface OfferedChoice {
  title: string;
  value: unknown;
}

/** Maps what was typed to a chosen option: "2", or the label itself (any case). */
export function pickChoice(line: string, choices: readonly OfferedChoice[]): OfferedChoice | undefined {
  const trimmed = line.trim();
  if (/^\d{1,2}$/.test(trimmed)) return choices[Number(trimmed) - 1];
  const lower = trimmed.toLocaleLowerCase();
  return choices.find((choice) => choice.title.toLocaleLowerCase() === lower);
}

/** The choices a bot message offered, from its suggested actions. */
export function offeredChoices(activity: Partial<Activity>): OfferedChoice[] {
  return (activity.suggestedActions?.actions ?? []).map((action) => ({ title: String(action.title ?? ''), value: action.value }));
}

async function main(): Promise<void> {
  let config: Readonly<Config>;
  try {
    // The terminal keeps its conversation in memory unless STORAGE says otherwise explicitly.
    config = loadConfig(environmentWith({ defaults: { STORAGE: 'memory', LOG_LEVEL: 'warn' } }));
  } catch (error) {
    process.stderr.write(error instanceof ConfigError ? `${error.message}\n` : 'could not read the configuration\n');
    process.exitCode = 2;
    return;
  }
  const logger = createLogger(config.logLevel, process.stderr);
  const tty = process.stdout.isTTY === true;
  const dim = (text: string) => (tty ? `\u001b[2m${text}\u001b[0m` : text);
  // The prompt first, then the bot: botbuilder takes most of a second to load, and the person can start
  // typing meanwhile (readline keeps what they type until the bot is there).
  process.stdout.write(dim('Type your question (e.g. "example.com shows 502 Bad Gateway"). Ctrl+C or "quit" to leave.\n'));
  const { buildCore } = require('../../build-core') as typeof import('../../build-core');
  const { GatewayDoctorBot } = require('../bot/gateway-doctor-bot') as typeof import('../bot/gateway-doctor-bot');
  const { ConsoleAdapter } = require('./console-adapter') as typeof import('./console-adapter');
  const core = await buildCore(config, logger);
  // The terminal's own composition root: no hand-off or watch targets, so the bot says so when asked.
  const bot = new GatewayDoctorBot({
    runner: core.runner,
    i18n: core.i18n,
    logger,
    metrics: core.metrics,
    defaultLocale: config.defaultLocale,
  });
  let choices: OfferedChoice[] = [];
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdout.isTTY });

  const adapter = new ConsoleAdapter({
    locale: config.commands.chatLocale ?? config.defaultLocale,
    onActivity: (activity) => {
      if (activity.type === 'typing') {
        process.stdout.write(dim('… checking\n'));
        return;
      }
      process.stdout.write(`\n${tty ? '\u001b[36mGateway Doctor\u001b[0m' : 'Gateway Doctor'}: ${activity.text ?? ''}\n`);
      const offered = offeredChoices(activity);
      if (offered.length > 0) {
        choices = offered;
        // Up/down arrows walk through the choices; readline's history is newest-first.
        (rl as unknown as { history: string[] }).history = offered.map((c) => c.title).reverse(); // history is not in the typings
      }
    },
  });

  const send = async (partial: Partial<Activity>) => {
    await adapter.process(partial, (context) => bot.run(context));
  };

  await send({ type: 'conversationUpdate', membersAdded: [{ id: 'console-user', name: 'you' }] });

  const prompt = () => rl.question('\n> ', (line) => void onLine(line));
  const onLine = async (line: string) => {
    if (['quit', 'exit'].includes(line.trim().toLowerCase())) {
      rl.close();
      return;
    }
    const chosen = pickChoice(line, choices);
    try {
      if (chosen) await send({ type: 'message', text: chosen.title, value: chosen.value });
      else if (line.trim() !== '') await send({ type: 'message', text: line });
    } catch (err) {
      logger.error({ err }, 'turn failed');
    }
    prompt();
  };
  rl.on('close', () => {
    void core.close().then(() => process.exit(0));
  });
  prompt();
}

if (require.main === module) {
  void main();
}
