// Every end-to-end test, in the order the runner runs them.
import { calendarTests } from './calendar.mjs';
import { resourceTests } from './resources.mjs';
import { leaveTests } from './leave.mjs';
import { phoneTests } from './phone.mjs';

export const tests = [...calendarTests, ...resourceTests, ...leaveTests, ...phoneTests];
