import { describeFixtures } from '../../../../../test/fixtures/posture/linux/cases.ts';
import { dnfCheckUpdate } from './dnf-check-update.ts';

describeFixtures(dnfCheckUpdate, {
  'crlf-skipped-repository': {
    pendingUpdates: 2,
    detail: {
      security: 'not told apart: the listing has no security summary (run `dnf check-update --security` to count them)',
      packages: ['openssh', 'openssh-server'],
      ignoredRepositories: ['vendor-tools'],
      error: 'Error: Failed to download metadata for repo \'vendor-tools\': Cannot download repomd.xml: Cannot download repodata/repomd.xml: All mirrors were tried',
      note: 'some repositories failed: counts may be incomplete',
    },
  },
  'dnf5-check-upgrade': {
    pendingUpdates: 3,
    detail: {
      security: 'not told apart: the listing has no security summary (run `dnf check-update --security` to count them)',
      packages: ['curl', 'libcurl', 'kernel'],
      kernelPackages: ['kernel 6.11.6-300.fc41'],
    },
  },
  'empty': { detail: { note: 'empty output' } },
  'error-metadata': {
    detail: {
      error: 'Error: Failed to download metadata for repo \'appstream\': Cannot prepare internal mirrorlist: Curl error (6): Couldn\'t resolve host name for http://mirrorlist.centos.org/?release=8&arch=x86_64&repo=App…',
    },
  },
  'fedora-updates-pending': {
    pendingUpdates: 8,
    detail: {
      security: 'not told apart: the listing has no security summary (run `dnf check-update --security` to count them)',
      packages: [
        'kernel',
        'kernel-core',
        'kernel-modules',
        'firefox',
        'glibc',
        'libreoffice-core',
        'python3-perf',
        'texlive-collection-latexrecommended',
      ],
      kernelPackages: [
        'kernel 6.11.5-300.fc41',
        'kernel-core 6.11.5-300.fc41',
        'kernel-modules 6.11.5-300.fc41',
        'python3-perf 6.11.5-300.fc41',
      ],
    },
  },
  'obsoleting-packages': {
    pendingUpdates: 3,
    detail: {
      security: 'not told apart: the listing has no security summary (run `dnf check-update --security` to count them)',
      packages: ['grub2-common', 'grub2-tools', 'kernel'],
      kernelPackages: ['kernel 5.14.0-503.11.1.el9_5'],
      obsoleting: 1,
    },
  },
  'security-none-needed': {
    pendingUpdates: 12,
    detail: { security: 'from the --security summary' },
    pendingSecurityUpdates: 0,
  },
  'up-to-date': {
    pendingUpdates: 0,
    detail: {
      security: 'not told apart: the listing has no security summary (run `dnf check-update --security` to count them)',
    },
  },
  'yum-el7-security-summary': {
    pendingUpdates: 9,
    detail: { security: 'from the --security summary', packages: ['bind-libs', 'openssl', 'sudo'] },
    pendingSecurityUpdates: 3,
  },
});
