import { MissingPrerequisiteError, Scenario } from '../harness';

export const trainerScenario: Scenario = {
  name: 'trainer',
  async run() {
    throw new MissingPrerequisiteError('the trainer scenarios are not written yet');
  },
};
