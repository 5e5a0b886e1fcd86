export { DialogueConfigSchema as ConfigSchema } from '@parley/shared';
