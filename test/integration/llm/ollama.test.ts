import { createOllamaComplete } from '../../../src/generate/llm/index.ts';
import { startOllamaStandIn } from '../../helpers/llm-stand-ins.ts';
import { providerSuite } from './provider-suite.ts';

providerSuite({
  name: 'ollama',
  startStandIn: startOllamaStandIn,
  complete: (url, timeoutMs) => createOllamaComplete({ host: url, model: 'stand-in', timeoutMs }),
});
