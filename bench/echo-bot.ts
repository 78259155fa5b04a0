/**
 * The benchmark's yardstick: a bare botbuilder echo bot on the same restify server setup (CloudAdapter,
 * unauthenticated, expectReplies), so every budget is a ratio measured in the same run (docs/architecture.md, Budgets).
 */
import { ActivityHandler, CloudAdapter, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import restify from 'restify';

const port = Number(process.argv[2] ?? '3979');
const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
const bot = new ActivityHandler();
bot.onMessage(async (context, next) => {
  await context.sendActivity(`echo: ${context.activity.text ?? ''}`);
  await next();
});

const server = restify.createServer();
server.use(restify.plugins.bodyParser({ maxBodySize: 256 * 1024, mapParams: false }));
server.post('/api/messages', async (req, res) => {
  await adapter.process(req, res, (context) => bot.run(context));
});
server.listen(port, '127.0.0.1', () => process.send?.('ready'));
