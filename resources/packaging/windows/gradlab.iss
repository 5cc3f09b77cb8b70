; Inno Setup 6 script: GradLab's Windows installer, built from the PyInstaller folder.
; build.py runs it on Windows when iscc is found:
;   iscc /DAppVersion=0.1.0 /DSourceDir=build\bundle\dist\GradLab /DOutputDir=dist /DRepoRoot=. resources\packaging\windows\gradlab.iss
; Output: dist\GradLab-<version>-windows-setup.exe. Per-user install by default (no admin
; rights needed on a school PC); the dialog offers all users.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#ifndef RepoRoot
  #define RepoRoot "..\..\.."
#endif
#ifndef SourceDir
  #define SourceDir RepoRoot + "\build\bundle\dist\GradLab"
#endif
#ifndef OutputDir
  #define OutputDir RepoRoot + "\dist"
#endif

[Setup]
AppId={{6F3C2A71-3B0E-4C1D-9D6B-7A51C2E0B9A4}
AppName=GradLab
AppVersion={#AppVersion}
AppVerName=GradLab {#AppVersion}
AppPublisher=GradLab
AppComments=See why deep and recurrent networks are hard to train, and what fixes it
DefaultDirName={autopf}\GradLab
DefaultGroupName=GradLab
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#OutputDir}
OutputBaseFilename=GradLab-{#AppVersion}-windows-setup
SetupIconFile={#RepoRoot}\resources\icons\gradlab.ico
UninstallDisplayIcon={app}\GradLab.exe
Compression=lzma2/max
SolidCompression=yes
LZMAUseSeparateProcess=yes
WizardStyle=modern
ChangesAssociations=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"
Name: "assoc"; Description: "Open .gradlab session files with GradLab"; GroupDescription: "Files:"

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\GradLab"; Filename: "{app}\GradLab.exe"
Name: "{autodesktop}\GradLab"; Filename: "{app}\GradLab.exe"; Tasks: desktopicon

[Registry]
Root: HKA; Subkey: "Software\Classes\.gradlab"; ValueType: string; ValueName: ""; ValueData: "GradLab.Session"; Flags: uninsdeletevalue; Tasks: assoc
Root: HKA; Subkey: "Software\Classes\GradLab.Session"; ValueType: string; ValueName: ""; ValueData: "GradLab session"; Flags: uninsdeletekey; Tasks: assoc
Root: HKA; Subkey: "Software\Classes\GradLab.Session\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\GradLab.exe,0"; Tasks: assoc
Root: HKA; Subkey: "Software\Classes\GradLab.Session\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\GradLab.exe"" --session ""%1"""; Tasks: assoc

[Run]
Filename: "{app}\GradLab.exe"; Description: "{cm:LaunchProgram,GradLab}"; Flags: nowait postinstall skipifsilent
