// Every end-to-end test, in the order the runner runs them.
import { calendarTests, filterTests } from './calendar.mjs';
import { resourceTests } from './resources.mjs';
import { leaveTests } from './leave.mjs';
import { phoneTests } from './phone.mjs';
import { shellTests } from './shell.mjs';

export const tests = [...calendarTests, ...filterTests, ...resourceTests, ...leaveTests, ...phoneTests, ...shellTests];
