export { DialogueConfigSchema as ConfigSchema } from '../../shared/src/config';
