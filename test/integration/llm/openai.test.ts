import { createOpenAiComplete } from '../../../src/generate/llm/index.ts';
import { startOpenAiStandIn } from '../../helpers/llm-stand-ins.ts';
import { providerSuite } from './provider-suite.ts';

providerSuite({
  name: 'openai',
  startStandIn: startOpenAiStandIn,
  complete: (url, timeoutMs) =>
    createOpenAiComplete({ baseUrl: url, apiKey: '', model: 'stand-in', timeoutMs }),
});
