/**
 * `profiles status -type enrollment` (profiles(1), macOS 10.13.4+; English only):
 *
 * ```
 * Enrolled via DEP: Yes
 * MDM enrollment: Yes (User Approved)
 * MDM server: https://mdm.example.com/mdm/server
 * ```
 *
 * The "MDM enrollment" line alone decides `mdmEnrolled` (Yes → true, No → false); without it
 * (an error, a truncated paste) the field is left out. DEP enrolment and user approval go in the
 * detail: a device can be enrolled without either.
 */
import type { ToolFacts, ToolParser } from '../types.ts';
import { clip, contentLines, explainUnknown, keyValue, parseBoolWord } from './text.ts';

export function parseProfilesStatusEnrollment(text: string): ToolFacts {
  const detail: Record<string, unknown> = {};
  const lines = contentLines(text);
  let mdmEnrolled: boolean | undefined;
  for (const line of lines) {
    const pair = keyValue(line);
    if (pair === undefined) continue;
    const word = /^(yes|no)\b/i.exec(pair.value)?.[1];
    if (pair.key === 'mdm enrollment' && word !== undefined && mdmEnrolled === undefined) {
      mdmEnrolled = parseBoolWord(word);
      if (mdmEnrolled === true) detail['userApproved'] = /\(user approved\)/i.test(pair.value);
    } else if (pair.key === 'enrolled via dep' && word !== undefined) detail['enrolledViaDep'] = parseBoolWord(word);
    else if (pair.key === 'mdm server' && pair.value !== '') detail['mdmServer'] = clip(pair.value);
  }
  if (mdmEnrolled === undefined) {
    explainUnknown(lines, detail);
    return { detail };
  }
  return { mdmEnrolled, detail };
}

export const profilesStatusEnrollmentParser: ToolParser = {
  id: 'profiles-status-enrollment',
  platform: 'darwin',
  command: 'profiles status -type enrollment',
  parse: parseProfilesStatusEnrollment,
};
