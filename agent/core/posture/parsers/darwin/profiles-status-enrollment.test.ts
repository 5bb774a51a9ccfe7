import { describeFixtures } from './darwin-fixtures.fixture.ts';
import { profilesStatusEnrollmentParser } from './profiles-status-enrollment.ts';

describeFixtures(profilesStatusEnrollmentParser, {
  empty: { detail: {} },
  'enrolled-dep-with-server': {
    mdmEnrolled: true,
    detail: {
      enrolledViaDep: true,
      userApproved: true,
      mdmServer: 'https://mdm.example.com/mdm/server',
    },
  },
  'enrolled-not-approved': { mdmEnrolled: true, detail: { enrolledViaDep: false, userApproved: false } },
  'enrolled-user-approved': { mdmEnrolled: true, detail: { enrolledViaDep: false, userApproved: true } },
  error: { detail: { error: 'profiles: Error fetching enrollment status (-205).' } },
  'extra-whitespace': { mdmEnrolled: true, detail: { enrolledViaDep: false, userApproved: true } },
  'not-enrolled': { mdmEnrolled: false, detail: { enrolledViaDep: false } },
});
